package mcpauthspec_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/runner"
)

// startSupplied starts the reference stack and returns it as a
// deployment with supplied tokens: the suite's issuer mints the tokens and
// hands them over through a profile (environment, file, token_cmd), and the
// target the runner gets holds no key. The server writes its log to a file
// the profile names (log_file), as a deployment's operator would.
func startSupplied(t *testing.T, opts harness.EmbeddedOptions) *harness.Target {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	opts.LogFile = filepath.Join(dir, "server.log")
	src, err := harness.StartEmbedded(ctx, opts)
	if src != nil {
		t.Cleanup(func() { _ = src.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	profile, err := harness.HandOver(src, harness.HandOverOptions{Dir: dir, Setenv: t.Setenv, LogFile: opts.LogFile})
	if err != nil {
		t.Fatal(err)
	}
	p, err := harness.LoadProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := harness.StartExternal(ctx, src.MCPURL, p)
	if err != nil {
		t.Fatal(err)
	}
	if ext.Issuer != nil || ext.Keys != nil || ext.Supplied == nil {
		t.Fatal("a target with supplied tokens holds an issuer or a key set")
	}
	return ext
}

// TestSuppliedTokensJWKS: with tokens it did not sign, against the
// reference server in JWKS mode, the suite runs at least 70 % of the @must
// scenarios, every scenario that runs passes, and every skip names the
// material it lacks.
func TestSuppliedTokensJWKS(t *testing.T) {
	target := startSupplied(t, harness.EmbeddedOptions{JWKS: true})
	report, err := runner.Run(context.Background(), runner.Options{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	report.WriteText(&out, runner.Policy{})
	t.Log("\n" + out.String())
	if report.Coverage == nil {
		t.Fatal("no coverage in a run with supplied tokens")
	}
	if !strings.Contains(out.String(), report.Coverage.Line()) {
		t.Error("the text report does not print the coverage line")
	}
	for _, r := range report.Results {
		if r.Status == runner.Failed {
			t.Errorf("%s %s failed: %s", r.ID, r.Name, r.Message)
		}
		// A step that reached a signing path at run time is missing from
		// the material table (steps/material.go), so its tag is missing too.
		if strings.Contains(r.Message, harness.ErrNeedsSigningKey.Error()) {
			t.Errorf("%s skipped inside a step, not by the material table: %s", r.ID, r.Message)
		}
	}
	must := report.Coverage.Levels["must"]
	if must.Selected == 0 || must.Ran*100 < 70*must.Selected {
		t.Errorf("%d of %d @must scenarios ran; want at least 70 %%", must.Ran, must.Selected)
	}
	t.Logf("supplied-token run: %s", report.Coverage.Line())

	// No supplied token reaches the reports.
	var js strings.Builder
	if err := report.WriteJSON(&js, runner.Policy{}); err != nil {
		t.Fatal(err)
	}
	tokens := target.Supplied.Tokens()
	if len(tokens) != 5 {
		t.Fatalf("%d supplied tokens held; want 5", len(tokens))
	}
	for i, tok := range tokens {
		for _, part := range []string{tok, tok[strings.LastIndexByte(tok, '.')+1:]} {
			if strings.Contains(out.String()+js.String(), part) {
				t.Errorf("supplied token %d appears in a report", i)
			}
		}
	}
}

// TestSuppliedTokensHS256: the reference server with a shared secret, tested
// with HS256 tokens handed over without the secret, passes every scenario
// that runs; the @jwks ones skip.
func TestSuppliedTokensHS256(t *testing.T) {
	target := startSupplied(t, harness.EmbeddedOptions{})
	report, err := runner.Run(context.Background(), runner.Options{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range report.Results {
		switch {
		case r.Status == runner.Failed:
			t.Errorf("%s %s failed: %s", r.ID, r.Name, r.Message)
		case strings.HasPrefix(r.ID, "auth-14.") && r.Status != runner.Skipped:
			t.Errorf("%s: %s, want skipped: the tokens are HS256", r.ID, r.Status)
		}
	}
	t.Log(report.Coverage.Line())
}
