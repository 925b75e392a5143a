package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func runBenchCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	code = run(context.Background(), append([]string{"bench", "--quiet"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// Bad input: exit 2 and one clear line, before any target starts.
func TestBenchUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "flag provided but not defined"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--bad-share", "1.5"}, "bad-share must be between 0 and 1"},
		{[]string{"--count", "-1"}, "count must be between"},
		{[]string{"--duration", "1h"}, "duration must be between"},
		{[]string{"--concurrency", "5000"}, "concurrency must be between"},
		{[]string{"--users", "-3"}, "users must be between"},
		{[]string{"--target-cmd", "x", "--compare"}, "choose one of"},
		{[]string{"--target-url", "http://127.0.0.1:1/mcp"}, "needs --profile"},
		{[]string{"--compare-a", "x", "--compare-b", "y"}, "need --compare"},
		{[]string{"--compare", "--compare-a", "x"}, "both --compare-a and --compare-b"},
		{[]string{"--compare", "--rounds", "0"}, "--rounds must be between"},
		{[]string{"--tool", "no_such_tool", "--count", "1"}, `"no_such_tool" is not a tool of the target contract`},
	} {
		code, stdout, stderr := runBenchCLI(t, tt.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2, nothing, one line with %q", tt.args, code, stdout, stderr, tt.want)
		}
	}
	if code, _, stderr := runBenchCLI(t, "-h"); code != 0 || !strings.Contains(stderr, "usage: mcpauthspec bench") {
		t.Errorf("-h: exit %d, %q", code, stderr)
	}
}

// The embedded stack under a short load: the text report, and the JSON one
// with the same counts.
func TestBenchEmbedded(t *testing.T) {
	code, stdout, stderr := runBenchCLI(t, "--count", "120", "--users", "3", "--concurrency", "3", "--bad-share", "0.25")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"120 calls of whoami on the embedded target", "ok 90, rejected as required (401) 30, errors: none"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}

	path := filepath.Join(t.TempDir(), "bench.json")
	if code, _, stderr := runBenchCLI(t, "--count", "40", "--tool", "list_tickets", "--json", path); code != 0 {
		t.Fatalf("--json: exit %d, %s", code, stderr)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Tool   string         `json:"tool"`
		Calls  int            `json:"calls"`
		OK     int            `json:"ok"`
		Errors map[string]int `json:"errors"`
	}
	if err := json.Unmarshal(data, &res); err != nil || res.Tool != "list_tickets" || res.Calls != 40 || res.OK != 40 || res.Errors["5xx"] != 0 {
		t.Errorf("JSON %v: %s", err, data)
	}

	code, stdout, _ = runBenchCLI(t, "--count", "10", "--json", "-")
	if code != 0 || json.Unmarshal([]byte(stdout), &res) != nil || res.Calls != 10 {
		t.Errorf("--json -: exit %d, stdout %q", code, stdout)
	}
}

// --compare with two commands: both started with the contract's
// environment, compared in alternating rounds.
func TestBenchCompareCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips building the reference server")
	}
	bin := filepath.Join(t.TempDir(), "refserver")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/mcpauthspec/mcpauthspec/cmd/refserver").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := "'" + bin + "'"
	code, stdout, stderr := runBenchCLI(t, "--compare", "--compare-a", cmd, "--compare-b", cmd, "--rounds", "2", "--count", "50", "--users", "2")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"A vs B", "A / B = ", "a call costs"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}
