package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// --keys: bad values and JWKS mode for an external target are usage errors
// of one line.
func TestKeysFlagErrors(t *testing.T) {
	t.Setenv("MCPAUTHSPEC_TEST_SECRET", strings.Repeat("x", 32))
	profile := writeFile(t, "p.yaml", "secret_env: MCPAUTHSPEC_TEST_SECRET\n")
	jwksProfile := writeFile(t, "jwks.yaml", "secret_env: MCPAUTHSPEC_TEST_SECRET\nkeys: jwks\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown mode", []string{"--keys", "rs256"}, `--keys "rs256": want hs256 or jwks`},
		{"jwks with an external target and a secret", []string{"--keys", "jwks", "--target-url", "http://127.0.0.1:1/mcp", "--profile", profile}, "JWKS mode needs a target the suite starts"},
		{"jwks in a profile", []string{"--target-url", "http://127.0.0.1:1/mcp", "--profile", jwksProfile}, "JWKS mode needs a target the suite starts"},
		{"jwks on the bridge network", []string{"--keys", "jwks", "--container", "--network", "bridge"}, "needs --network host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != 2 || stdout != "" {
				t.Errorf("exit %d, stdout %q; want 2 and nothing", code, stdout)
			}
			if !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one line containing %q", stderr, tt.want)
			}
		})
	}
}

// --keys jwks against the embedded stack runs the @jwks scenarios, and they
// pass.
func TestKeysJWKSEmbedded(t *testing.T) {
	code, stdout, stderr := runCLI(t, "--keys", "jwks", "--tags", "@auth-14.1,@auth-14.3,@auth-14.6")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "27 passed, 0 failed") /* 9 on each of the 3 revisions */ || !strings.Contains(stdout, "14. Asymmetric keys through JWKS") {
		t.Errorf("output:\n%s", stdout)
	}
}

// --target-url with a profile of supplied tokens and no secret runs, in
// JWKS mode too, skips what the tokens cannot reach with the reason, and
// prints the coverage.
func TestSuppliedTokensCLI(t *testing.T) {
	src, err := harness.StartEmbedded(context.Background(), harness.EmbeddedOptions{JWKS: true})
	if src != nil {
		t.Cleanup(func() { _ = src.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	profile, err := harness.HandOver(src, harness.HandOverOptions{Dir: t.TempDir(), Setenv: t.Setenv})
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "--keys", "jwks", "--target-url", src.MCPURL, "--profile", profile,
		"--tags", "@auth-1.2,@auth-2.2,@auth-3.4,@auth-14.6")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"17 passed, 0 failed, 1 skipped", "Coverage with supplied tokens: 17 of 18 scenarios ran (must 17 of 18)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	for _, tok := range []string{os.Getenv("MCPAUTHSPEC_SUPPLIED_USER_A"), os.Getenv("MCPAUTHSPEC_SUPPLIED_OTHER_AUDIENCE")} {
		if tok == "" || strings.Contains(stdout+stderr, tok) {
			t.Error("a supplied token is missing or appears in the output")
		}
	}
}
