package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProfileResource: the profile's resource key names the deployment's
// canonical resource, which then stands for the MCP URL in the discovery
// and challenge checks; a value that is no absolute URL is refused.
func TestProfileResource(t *testing.T) {
	dir := t.TempDir()
	load := func(resource string) (*Profile, error) {
		p := filepath.Join(dir, "p.yaml")
		body := "target_url: http://127.0.0.1:1/mcp\nsecret_env: X\nresource: " + resource + "\n"
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return LoadProfile(p)
	}
	p, err := load("https://mcp.example.com/mcp")
	if err != nil {
		t.Fatal(err)
	}
	if p.Resource != "https://mcp.example.com/mcp" {
		t.Errorf("Resource = %q", p.Resource)
	}
	for _, bad := range []string{"mcp.example.com/mcp", "ftp://x/mcp", "https:///mcp", "https://x/mcp#frag"} {
		if _, err := load(bad); err == nil || !strings.Contains(err.Error(), "resource") || strings.Contains(err.Error(), "\n") {
			t.Errorf("resource %q: %v, want one line naming the key", bad, err)
		}
	}
	tg := &Target{MCPURL: "http://127.0.0.1:1/mcp"}
	if got := tg.ResourceURL(); got != tg.MCPURL {
		t.Errorf("ResourceURL without a profile resource = %q", got)
	}
	tg.Resource = "https://mcp.example.com/mcp"
	if got := tg.ResourceURL(); got != tg.Resource {
		t.Errorf("ResourceURL = %q", got)
	}
}
