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
// The verdict (runAgainstBaseline): no failed @must or @should outside
// examples/gosdk-server/baseline.yaml and no stale baseline entry; here
// also nothing skipped (a skip would hide a rule). Skipped under -short, as
// it builds a binary and takes a few seconds.
func TestGoSDKExample(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building and running the go-sdk example against the suite")
	}
	bin := buildExample(t, "gosdk-server")
	report := runAgainstBaseline(t, "'"+bin+"'", filepath.Join("examples", "gosdk-server", "baseline.yaml"), harness.CommandOptions{})
	c := report.Totals()
	if c.Skipped > 0 || c.Passed == 0 {
		t.Errorf("every scenario must run against the example: %s", c.Summary())
	}
}

// buildExample builds ./examples/<name> into the test's temporary directory.
func buildExample(t *testing.T, name string) string {
	t.Helper()
	start := time.Now()
	bin := filepath.Join(t.TempDir(), name)
	if out, err := exec.Command("go", "build", "-o", bin, "./examples/"+name).CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/%s: %v\n%s", name, err, out)
	}
	t.Logf("built ./examples/%s in %v", name, time.Since(start).Round(time.Millisecond))
	return bin
}

// runAgainstBaseline starts command the way --target-cmd does (through
// /bin/sh -c, with only the target contract's environment), runs the
// specification against it and holds it to the baseline at baselinePath:
// every failed @must or @should must be listed there, and every listed
// scenario that ran must still fail, unless its reason starts with
// flakyEntry. Scenarios run without TestingT, so
// that one the baseline expects to fail does not fail a subtest.
// flakyEntry starts the reason of a baseline entry whose scenario is the
// suite's fault and gives a different verdict from run to run: it may pass
// without being stale.
const flakyEntry = "suite: flaky"

func runAgainstBaseline(t *testing.T, command, baselinePath string, opts harness.CommandOptions) *runner.Report {
	t.Helper()
	baseline, err := runner.LoadBaseline(baselinePath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	target, err := harness.StartCommand(ctx, command, opts)
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
	t.Logf("suite %v:\n%s", report.Duration.Round(time.Millisecond), out.String())

	for _, f := range report.Failures(true, baseline) {
		t.Errorf("%s [%s] %s fails outside the baseline: %s", f.ID, f.Level, f.Name, f.Message)
	}
	for _, id := range baseline.Stale(report) {
		if strings.HasPrefix(baseline.Reason(id), flakyEntry) {
			t.Logf("%s passed this time; %s marks it flaky", id, baselinePath)
			continue
		}
		t.Errorf("%s passes but %s expects it to fail: remove the entry", id, baselinePath)
	}
	return report
}
