package mcpauthspec_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// TestStockServers is the suite's standing second opinion: servers that use
// each official SDK's auth the way its documentation shows, not hardened to
// this suite (examples/gosdk-stock on the go-sdk's auth.RequireBearerToken,
// examples/ts-stock on the TypeScript SDK's requireBearerAuth), run under
// the whole specification like --target-cmd targets, in HS256 and in JWKS
// mode. Each is held to
// examples/<server>/baseline.yaml (runAgainstBaseline): a new failure or a
// stale entry fails the test, so a scenario that starts failing a stock
// server, rightly or falsely, is looked at before it lands.
// docs/stock-servers.md reads every entry.
//
// ts-stock needs node and its pinned packages (npm ci --prefix
// examples/ts-stock); without them it is skipped with one line, or fails
// under MCPAUTHSPEC_REQUIRE_NODE=1 (CI). Skipped under -short.
func TestStockServers(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running the suite against the stock SDK servers")
	}
	goBin := buildExample(t, "gosdk-stock")
	for _, s := range []struct {
		name, server string
		jwks         bool
	}{
		{"gosdk-stock", "gosdk-stock", false},
		{"gosdk-stock-jwks", "gosdk-stock", true},
		{"ts-stock", "ts-stock", false},
		{"ts-stock-jwks", "ts-stock", true},
	} {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			var command string
			if s.server == "ts-stock" {
				node := requireNode(t)
				server, err := filepath.Abs(filepath.Join("examples", "ts-stock", "server.js"))
				if err != nil {
					t.Fatal(err)
				}
				command = "'" + node + "' '" + server + "'"
			} else {
				command = "'" + goBin + "'"
			}
			runAgainstBaseline(t, command, stockBaseline(t, s.server), harness.CommandOptions{JWKS: s.jwks})
		})
	}
}

// requireNode returns the path of node with examples/ts-stock's packages
// installed, or skips (fails under MCPAUTHSPEC_REQUIRE_NODE=1) saying what
// is missing.
func requireNode(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		if os.Getenv("MCPAUTHSPEC_REQUIRE_NODE") == "1" {
			t.Fatalf("MCPAUTHSPEC_REQUIRE_NODE=1 but %s", why)
		}
		t.Skip(why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed: the TypeScript SDK's stock server is not run")
	}
	sdk := filepath.Join("examples", "ts-stock", "node_modules", "@modelcontextprotocol", "sdk", "package.json")
	if _, err := os.Stat(sdk); err != nil {
		missing("examples/ts-stock has no node_modules: run `npm ci --prefix examples/ts-stock`")
	}
	return node
}

// sourceLine is how a baseline entry names the SDK code that causes the
// failure: a file and a line, e.g. auth/auth.go:129 or
// dist/esm/server/auth/middleware/bearerAuth.js:29.
var sourceLine = regexp.MustCompile(`[\w./@-]+\.(go|js|md):\d+`)

// stockBaseline returns the path of examples/<server>/baseline.yaml after
// checking that every entry either names the SDK line responsible or says
// that the failure is the suite's fault ("suite:"), so that no entry
// excuses a failure without a reason that can be checked.
func stockBaseline(t *testing.T, server string) string {
	t.Helper()
	path := filepath.Join("examples", server, "baseline.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		ExpectedFailures []struct{ ID, Reason string } `yaml:"expected_failures"`
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, e := range f.ExpectedFailures {
		if !sourceLine.MatchString(e.Reason) && !regexp.MustCompile(`^suite: `).MatchString(e.Reason) {
			t.Errorf("%s: %s names no SDK source line (file.go:N) and is not marked \"suite: \"", path, e.ID)
		}
	}
	return path
}
