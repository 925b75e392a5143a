package mcpauthspec_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/runner"
)

// TestSpecification runs every scenario of features/ against the embedded
// reference stack, each scenario a subtest. The reference server must pass
// all of them, @should and @may included.
func TestSpecification(t *testing.T) {
	ctx := context.Background()
	target, err := harness.StartEmbedded(ctx, harness.EmbeddedOptions{})
	if target != nil {
		t.Cleanup(func() { _ = target.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	report, err := runner.Run(ctx, runner.Options{Target: target, TestingT: t})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	report.WriteText(&out, nil)
	t.Log("\n" + out.String())
	c := report.Totals()
	if c.Failed > 0 || c.Skipped > 0 {
		t.Errorf("the reference server must pass every scenario: %s", c.Summary())
	}
}
