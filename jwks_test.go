package mcpauthspec_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/runner"
)

// TestSpecificationJWKS runs the JWKS-mode scenarios (@jwks, the default
// selection for a target in JWKS mode) against the embedded reference stack
// started with JWT_JWKS_URL, each scenario a subtest. TestSpecification runs
// every other scenario in HS256 mode, so that go test covers both modes.
// The reference server must pass all of them.
func TestSpecificationJWKS(t *testing.T) {
	ctx := context.Background()
	target, err := harness.StartEmbedded(ctx, harness.EmbeddedOptions{JWKS: true})
	if target != nil {
		t.Cleanup(func() { _ = target.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	if target.Keys == nil {
		t.Fatal("the embedded target in JWKS mode has no key set")
	}
	report := mustPassEverything(t, target)
	for _, r := range report.Results {
		if !strings.HasPrefix(r.ID, "auth-14.") {
			t.Errorf("%s ran in JWKS mode; only @jwks scenarios should", r.ID)
		}
	}
	if target.Keys.Hits() == 0 {
		t.Error("the target never fetched the suite's JWKS")
	}
}

// TestModeSkips: a scenario of the other key mode, selected explicitly, is
// skipped with the reason instead of failing.
func TestModeSkips(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		jwks bool
		tags string
		want string
	}{
		{false, "@auth-14.1", "JWKS mode"},
		{true, "@auth-1.1", "HS256 mode"},
	} {
		target, err := harness.StartEmbedded(ctx, harness.EmbeddedOptions{JWKS: tc.jwks})
		if target != nil {
			t.Cleanup(func() { _ = target.Close() })
		}
		if err != nil {
			t.Fatal(err)
		}
		report, err := runner.Run(ctx, runner.Options{Target: target, Tags: tc.tags})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range report.Results {
			if r.Status != runner.Skipped || !strings.Contains(r.Message, tc.want) {
				t.Errorf("JWKS %v, %s: %s %q, want skipped naming %q", tc.jwks, r.ID, r.Status, r.Message, tc.want)
			}
		}
		if len(report.Results) == 0 {
			t.Errorf("JWKS %v: %s selected nothing", tc.jwks, tc.tags)
		}
	}
}
