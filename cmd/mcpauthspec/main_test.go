package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/runner"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	code = run(context.Background(), append([]string{"--quiet"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Bad input: exit 2 and one clear line, nothing else.
func TestUsageAndConfigurationErrors(t *testing.T) {
	t.Setenv("MCPAUTHSPEC_TEST_SECRET", strings.Repeat("x", 32))
	badProfile := writeFile(t, "bad.yaml", "issuer: core-app\nsecret_env: MCPAUTHSPEC_TEST_SECRET\ntypo_field: 1\n")
	goodProfile := writeFile(t, "good.yaml", "secret_env: MCPAUTHSPEC_TEST_SECRET\n")
	badBaseline := writeFile(t, "baseline.yaml", "expected_failures:\n  - id: auth-1.1\n")
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	unknownBaseline := writeFile(t, "unknown.yaml", "expected_failures:\n  - id: auth-99.1\n    reason: typo\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--bogus"}, "flag provided but not defined"},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
		{"url without profile", []string{"--target-url", "http://127.0.0.1:1/mcp"}, "needs --profile"},
		{"cmd and url", []string{"--target-cmd", "x", "--target-url", "http://127.0.0.1:1/mcp"}, "cannot be combined"},
		{"missing profile", []string{"--target-url", "http://127.0.0.1:1/mcp", "--profile", "/nonexistent.yaml"}, "no such file"},
		{"profile with a typo", []string{"--target-url", "http://127.0.0.1:1/mcp", "--profile", badProfile}, "typo_field"},
		{"baseline without reason", []string{"--baseline", badBaseline}, "needs an id and a reason"},
		{"baseline of an unknown id", []string{"--baseline", unknownBaseline}, "no scenario has the id auth-99.1"},
		{"report in a missing directory", []string{"--junit", filepath.Join(t.TempDir(), "nodir", "out.xml")}, "--junit: cannot write"},
		{"html report to a directory", []string{"--html", t.TempDir()}, "--html: "},
		{"unreachable target", []string{"--target-url", "http://127.0.0.1:1/mcp", "--profile", goodProfile}, "connection refused"},
		{"healthz 404", []string{"--target-url", notFound.URL + "/mcp", "--profile", goodProfile}, "answered 404 Not Found"},
		{"bad tag expression", []string{"--tags", "@must &&"}, `tag expression "@must &&"`},
		{"unbalanced parenthesis", []string{"--tags", "(@must or @should"}, "is not closed"},
		{"bad id list", []string{"--id", "auth-1.1 or auth-1.2"}, "--id"},
		{"list selecting nothing", []string{"--list", "--tags", "@no-such-tag"}, "no scenario matched"},
		{"not loopback", []string{"--target-url", "http://192.0.2.1/mcp", "--profile", goodProfile}, "is not on this machine"},
		{"allow-remote without a URL", []string{"--allow-remote"}, "--allow-remote needs --target-url"},
		{"target exits", []string{"--target-cmd", "exit 3", "--start-timeout", "5s"}, "exited before it became healthy"},
		{"target never healthy", []string{"--target-cmd", "echo starting; sleep 30", "--start-timeout", "300ms"}, "never answered 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			code, stdout, stderr := runCLI(t, tt.args...)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v: a configuration error must be found quickly", d)
			}
			if strings.Count(stderr, "\n") != 1 && !strings.Contains(stderr, "its last output:") {
				t.Errorf("stderr is not one line: %q", stderr)
			}
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if !strings.HasPrefix(stderr, "mcpauthspec: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q, want a line containing %q", stderr, tt.want)
			}
			if strings.Contains(stderr, strings.Repeat("x", 32)) {
				t.Error("the secret was printed")
			}
		})
	}
}

// A selected subset against the embedded stack: exit 0, the closing line,
// and the three report formats.
func TestReportsAndExitStatus(t *testing.T) {
	dir := t.TempDir()
	jsonPath, junitPath, mdPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.md")
	code, stdout, stderr := runCLI(t, "--tags", "@auth-1.1,@auth-5.1", "--json", jsonPath, "--junit", junitPath, "--markdown", mdPath)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, "passed, 0 failed") {
		t.Errorf("last line %q", last)
	}
	var env struct {
		Verdict string
		Results []struct{ ID, Level, Status string }
	}
	data, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(data, &env); err != nil || len(env.Results) == 0 || env.Verdict != "pass" {
		t.Fatalf("JSON report: %v %s", err, data)
	}
	for _, r := range env.Results {
		if !strings.HasPrefix(r.ID, "auth-1.1") && !strings.HasPrefix(r.ID, "auth-5.1") || r.Status != "passed" {
			t.Errorf("unexpected row %+v", r)
		}
	}
	var suites struct {
		Suites []struct {
			Tests int `xml:"tests,attr"`
		} `xml:"testsuite"`
	}
	data, _ = os.ReadFile(junitPath)
	if err := xml.Unmarshal(data, &suites); err != nil || len(suites.Suites) != 2 {
		t.Errorf("JUnit report: %v %s", err, data)
	}
	// Against Jenkins' schema, when xmllint is here (runner's tests
	// require it in CI).
	if _, err := exec.LookPath("xmllint"); err == nil {
		if out, err := exec.Command("xmllint", "--noout", "--schema", "../../runner/testdata/junit-10.xsd", junitPath).CombinedOutput(); err != nil {
			t.Errorf("JUnit report invalid against junit-10.xsd: %v\n%s", err, out)
		}
	}
	if md, _ := os.ReadFile(mdPath); !strings.Contains(string(md), "**PASS: every @must met") || !strings.Contains(string(md), "| 5. ") {
		t.Errorf("Markdown report lacks the verdict or area 5:\n%s", md)
	}

	// A baseline entry for a scenario that passes is stale: exit 1.
	stale := writeFile(t, "stale.yaml", "expected_failures:\n  - id: auth-5.1\n    reason: once broken\n")
	code, stdout, _ = runCLI(t, "--tags", "@auth-5.1", "--baseline", stale)
	if code != 1 || !strings.Contains(stdout, "auth-5.1 is listed as an expected failure but passed") {
		t.Errorf("stale baseline: exit %d\n%s", code, stdout)
	}
	// A tag expression that selects nothing is a usage error.
	if code, _, stderr := runCLI(t, "--tags", "@no-such-tag"); code != 2 || !strings.Contains(stderr, "no scenario matched") {
		t.Errorf("empty selection: exit %d %q", code, stderr)
	}
}

// The whole specification against the refserver binary, started by the
// harness with the contract's environment: what users do with their own
// servers, and the proof that the binary conforms too.
func TestTargetCommandWithRefserverBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the refserver binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "refserver")
	build := exec.Command("go", "build", "-o", bin, "github.com/mcpauthspec/mcpauthspec/cmd/refserver")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	code, stdout, stderr := runCLI(t, "--target-cmd", bin, "--strict")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, " 0 failed") || strings.Contains(stdout, "skipped") {
		t.Errorf("want every scenario to pass:\n%s", stdout)
	}
}

func TestTokenSubcommand(t *testing.T) {
	t.Setenv("JWT_SECRET_KEY", strings.Repeat("k", 32))
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"token", "--user", "bob"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if parts := strings.Split(strings.TrimSpace(out.String()), "."); len(parts) != 3 {
		t.Errorf("not a JWT: %q", out.String())
	}
	t.Setenv("JWT_SECRET_KEY", "short")
	errOut.Reset()
	if code := run(context.Background(), []string{"token"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "JWT_SECRET_KEY") {
		t.Errorf("short secret: exit %d %q", code, errOut.String())
	}
}

func TestVersionListAndHelp(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var o, e strings.Builder
		code := run(context.Background(), args, &o, &e)
		stdout := o.String()
		if code != 0 || !strings.HasPrefix(stdout, "mcpauthspec ") || !strings.Contains(stdout, "MCP revisions: 2025-06-18") || !strings.Contains(stdout, "RFC 6750") {
			t.Errorf("%v: exit %d\n%s", args, code, stdout)
		}
	}
	code, stdout, _ := runCLI(t, "--list", "--tags", "@must and @auth-1.3", "--id", "auth-1.3/2,auth-2.1")
	if code != 0 || strings.TrimSpace(stdout) == "" || len(strings.Split(strings.TrimSpace(stdout), "\n")) != 1 || !strings.HasPrefix(stdout, "auth-1.3/2 ") || !strings.Contains(stdout, "MUST") {
		t.Errorf("--list: exit %d\n%s", code, stdout)
	}
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"version", "x"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "takes no arguments") {
		t.Errorf("version x: exit %d %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"-h"}, &out, &errOut); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
	for _, want := range []string{"bench", "token", "version", "exit status", "  2  usage"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("-h lacks %q", want)
		}
	}
}

// Progress is drawn only on a terminal: a run whose stderr is a file or a
// pipe (a CI log) writes nothing there.
func TestNoProgressOffTerminal(t *testing.T) {
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"--tags", "@auth-1.1"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr off a terminal: %q", errOut.String())
	}
}

// A profile may leave out fixtures and tools: the scenarios that need them
// are skipped with the reason, never failed.
func TestProfileGapsSkip(t *testing.T) {
	ctx := context.Background()
	stack, err := harness.StartEmbedded(ctx, harness.EmbeddedOptions{})
	if stack != nil {
		t.Cleanup(func() { _ = stack.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("MCPAUTHSPEC_GAPS_SECRET", string(stack.Issuer.Secret))
	base := "secret_env: MCPAUTHSPEC_GAPS_SECRET\nissuer: " + stack.Issuer.Issuer + "\nbackend_admin_url: " + stack.BackendURL + "\n"
	// A wrong secret is one pre-flight line and exit 2, not hundreds of
	// failures.
	t.Setenv("MCPAUTHSPEC_WRONG_SECRET", strings.Repeat("w", 32))
	wrong := filepath.Join(t.TempDir(), "wrong.yaml")
	os.WriteFile(wrong, []byte("secret_env: MCPAUTHSPEC_WRONG_SECRET\n"), 0o600)
	if code, stdout, stderr := runCLI(t, "--target-url", stack.MCPURL, "--profile", wrong); code != 2 || stdout != "" ||
		!strings.HasPrefix(stderr, "mcpauthspec: pre-flight: the target refused a valid token with 401") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("wrong secret: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, tt := range []struct {
		name, profile, tags, reason string
	}{
		{"only whoami mapped", base + "tools:\n  whoami: whoami\n", "@auth-9.4 or @auth-9.5", "maps no tool"},
		{"no fixtures", base, "not @hardening", "names no fixture"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			profile := filepath.Join(dir, "p.yaml")
			os.WriteFile(profile, []byte(tt.profile), 0o600)
			jsonPath := filepath.Join(dir, "r.json")
			code, stdout, stderr := runCLI(t, "--target-url", stack.MCPURL, "--profile", profile, "--tags", tt.tags, "--json", jsonPath)
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			var rep runner.JSONReport
			data, _ := os.ReadFile(jsonPath)
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatal(err)
			}
			skipped := 0
			for _, r := range rep.Results {
				if r.Status == runner.Failed {
					t.Errorf("%s failed: %s", r.ID, r.Message)
				}
				if r.Status == runner.Skipped && strings.Contains(r.Message, tt.reason) {
					skipped++
				}
			}
			if skipped == 0 {
				t.Errorf("no scenario skipped for %q:\n%s", tt.reason, stdout)
			}
			if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "HS256 mode only") || !strings.Contains(stdout, "Note: --target-url runs in HS256 mode only") {
				t.Errorf("notes %q: --target-url must say it cannot cover area 14", rep.Notes)
			}
		})
	}
}

// A run whose target the suite starts covers both key modes in one report,
// each against a target of its own; --keys picks one.
func TestOneRunBothKeyModes(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := runCLI(t, "--tags", "@auth-1.1 or @auth-14.1", "--json", jsonPath)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var rep runner.JSONReport
	data, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rep.Results {
		got[strings.Split(r.ID, "/")[0]] = r.Status
	}
	if got["auth-1.1"] != runner.Passed || got["auth-14.1"] != runner.Passed {
		t.Errorf("results %v, want auth-1.1 and auth-14.1 passed in one report", got)
	}
	if code, stdout, _ := runCLI(t, "--tags", "@auth-1.1 or @auth-14.1", "--keys", "hs256"); code != 0 || !strings.Contains(stdout, "skipped") {
		t.Errorf("--keys hs256: exit %d, want @auth-14.1 skipped\n%s", code, stdout)
	}
}

// A server that ignores JWT_JWKS_URL (optional in the contract) is not
// failed for it: the JWKS scenarios of a default run are skipped with the
// reason.
func TestServerWithoutJWKSSkipsArea14(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the refserver binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "refserver")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/mcpauthspec/mcpauthspec/cmd/refserver").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := runCLI(t, "--target-cmd", "env -u JWT_JWKS_URL "+bin, "--tags", "@auth-1.1 or @auth-14.1", "--json", jsonPath)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var rep runner.JSONReport
	data, _ := os.ReadFile(jsonPath)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		switch {
		case strings.HasPrefix(r.ID, "auth-1.1") && r.Status != runner.Passed,
			strings.HasPrefix(r.ID, "auth-14.1") && (r.Status != runner.Skipped || !strings.Contains(r.Message, "JWT_JWKS_URL")):
			t.Errorf("%s %s: %s", r.ID, r.Status, r.Message)
		}
	}
	if len(rep.Results) < 2 {
		t.Errorf("results %+v", rep.Results)
	}
}
