package journeys

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The TypeScript SDK's client (test/tsclient, pinned in its
// package-lock.json) discovers the authorization server from a cold 401,
// signs in, and steps up after a 403. A machine without node skips it,
// unless MCPAUTHSPEC_REQUIRE_NODE=1 (CI) makes that a failure; so does
// test/tsclient without its node_modules (npm ci --prefix test/tsclient).
func TestTypeScriptClientDiscoversAndStepsUp(t *testing.T) {
	require := os.Getenv("MCPAUTHSPEC_REQUIRE_NODE") == "1"
	missing := func(why string) {
		if require {
			t.Fatalf("%s (MCPAUTHSPEC_REQUIRE_NODE=1)", why)
		}
		t.Skip(why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed: the TypeScript client journey needs it")
	}
	dir, err := filepath.Abs(filepath.Join("..", "test", "tsclient"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		missing("test/tsclient has no node_modules: run npm ci --prefix test/tsclient")
	}
	target := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "journey.mjs", target.MCPURL)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("TypeScript SDK client:\n%s", out)
	if err != nil {
		t.Fatalf("the journey failed: %v", err)
	}
	if !strings.HasSuffix(strings.TrimSpace(string(out)), "ok") {
		t.Fatal("the journey did not finish")
	}
}
