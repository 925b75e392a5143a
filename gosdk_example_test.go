package mcpauthspec_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/runner"
)

// TestGoSDKExample is the CI verdict on the second implementation: it builds
// examples/gosdk-server (written on github.com/modelcontextprotocol/go-sdk,
// importing nothing from this repository), starts it the way
// --target-cmd does, with only the target contract's environment, and runs
// the whole specification against it.
//
// Scenarios run without TestingT, so that one the example's baseline
// expects to fail does not fail a subtest; the verdict is then: no failed
// @must or @should outside examples/gosdk-server/baseline.yaml, no stale
// baseline entry, and nothing skipped (a skip would hide a rule). Skipped
// under -short, as it builds a binary and takes a few seconds.
func TestGoSDKExample(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building and running the go-sdk example against the suite")
	}
	start := time.Now()
	bin := filepath.Join(t.TempDir(), "gosdk-server")
	if out, err := exec.Command("go", "build", "-o", bin, "./examples/gosdk-server").CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/gosdk-server: %v\n%s", err, out)
	}
	built := time.Since(start)

	baseline, err := runner.LoadBaseline(filepath.Join("examples", "gosdk-server", "baseline.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Quoted for /bin/sh -c: the temporary directory is the test's to name.
	target, err := harness.StartCommand(ctx, "'"+bin+"'", harness.CommandOptions{})
	if target != nil {
		t.Cleanup(func() { _ = target.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	report, err := runner.Run(ctx, runner.Options{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	report.WriteText(&out, runner.Policy{Strict: true, Baseline: baseline})
	t.Logf("go-sdk example (build %v, suite %v):\n%s", built.Round(time.Millisecond), report.Duration.Round(time.Millisecond), out.String())

	for _, f := range report.Failures(true, baseline) {
		t.Errorf("%s [%s] %s fails outside the baseline: %s", f.ID, f.Level, f.Name, f.Message)
	}
	for _, id := range baseline.Stale(report) {
		t.Errorf("%s passes but examples/gosdk-server/baseline.yaml expects it to fail: remove the entry", id)
	}
	c := report.Totals()
	if c.Skipped > 0 || c.Passed == 0 {
		t.Errorf("every scenario must run against the example: %s", c.Summary())
	}
}
