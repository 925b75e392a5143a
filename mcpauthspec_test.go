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
	mustPassEverything(t, target)
}

// mustPassEverything runs the specification (the scenarios of the target's
// key mode) against target, each scenario a subtest, logs the report, and
// fails unless every scenario ran and passed.
func mustPassEverything(t *testing.T, target *harness.Target) *runner.Report {
	t.Helper()
	report, err := runner.Run(context.Background(), runner.Options{Target: target, TestingT: t})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	report.WriteText(&out, runner.Policy{})
	t.Log("\n" + out.String())
	if c := report.Totals(); c.Failed > 0 || c.Skipped > 0 || c.Passed == 0 {
		t.Errorf("the %s reference server must pass every scenario: %s", target.Kind, c.Summary())
	}
	return report
}
