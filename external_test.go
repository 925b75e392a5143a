package mcpauthspec_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/runner"
)

// TestExternalTarget runs the specification through the external-URL mode,
// as a user does against a deployment: a profile names the issuer, the
// secret (by environment variable) and the fake backend's admin URL; the
// target's logs are not visible, so the log scenarios are skipped with their
// reason and everything else must pass.
func TestExternalTarget(t *testing.T) {
	ctx := context.Background()
	stack, err := harness.StartEmbedded(ctx, harness.EmbeddedOptions{})
	if stack != nil {
		t.Cleanup(func() { _ = stack.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("MCPAUTHSPEC_EXTERNAL_SECRET", string(stack.Issuer.Secret))
	f := stack.Fixtures
	profile := filepath.Join(t.TempDir(), "profile.yaml")
	err = os.WriteFile(profile, []byte(`issuer: `+stack.Issuer.Issuer+`
audience: mcp-server
secret_env: MCPAUTHSPEC_EXTERNAL_SECRET
allowed_origin: `+stack.AllowedOrigin+`
backend_admin_url: `+stack.BackendURL+`
fixtures:
  acme_ticket: `+f.AcmeTicket+`
  globex_ticket: `+f.GlobexTicket+`
  acme_integration: `+f.AcmeIntegration+`
  globex_integration: `+f.GlobexIntegration+`
  missing_ticket: `+f.MissingTicket+`
  missing_integration: `+f.MissingIntegration+`
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	p, err := harness.LoadProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	target, err := harness.StartExternal(ctx, stack.MCPURL, p)
	if err != nil {
		t.Fatal(err)
	}
	report, err := runner.Run(ctx, runner.Options{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	c := report.Totals()
	if c.Failed != 0 || c.Passed == 0 {
		var out strings.Builder
		report.WriteText(&out, runner.Policy{})
		t.Fatalf("external mode:\n%s", out.String())
	}
	logScenarios := 0
	for _, r := range report.Results {
		needsLogs := slices.Contains(r.Tags, "@needs-logs")
		if needsLogs {
			logScenarios++
		}
		switch {
		case needsLogs && r.Status != runner.Skipped:
			t.Errorf("%s needs the target's logs, which a profile without log_file hides; it %s", r.ID, r.Status)
		case r.Status == runner.Skipped && !strings.Contains(r.Message, "log_file"):
			t.Errorf("%s skipped for another reason: %s", r.ID, r.Message)
		}
	}
	if logScenarios == 0 {
		t.Error("no @needs-logs scenario ran: the check above proves nothing")
	}
	t.Logf("external mode: %s", c.Summary())
}
