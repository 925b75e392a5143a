package main

import (
	"context"
	"net"
	"strings"
	"testing"
)

func TestConfigurationErrorsExitTwo(t *testing.T) {
	secret := strings.Repeat("s", 32)
	env := map[string]string{
		"MCP_LISTEN_ADDR":   "127.0.0.1:0",
		"JWT_SECRET_KEY":    secret,
		"JWT_ISSUER":        "core-app",
		"JWT_AUDIENCE":      "mcp-server",
		"BACKEND_API_URL":   "http://127.0.0.1:1",
		"BACKEND_TOKEN_URL": "http://127.0.0.1:1/oauth/token",
		"MCP_CLIENT_ID":     "mcp-server",
		"MCP_CLIENT_SECRET": "client-secret",
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tt := range []struct{ name, variable, value string }{
		{"short secret", "JWT_SECRET_KEY", "too-short"},
		{"missing issuer", "JWT_ISSUER", ""},
		{"bad URL", "BACKEND_API_URL", "not a url"},
		{"bad leeway", "JWT_LEEWAY", "forever"},
		{"port in use", "MCP_LISTEN_ADDR", busy.Addr().String()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			code := run(context.Background(), func(k string) string {
				if k == tt.variable {
					return tt.value
				}
				return env[k]
			}, &stderr)
			out := stderr.String()
			if code != 2 || strings.Count(out, "\n") != 1 || !strings.Contains(out, tt.variable) {
				t.Errorf("exit %d, stderr %q: want 2 and one line naming %s", code, out, tt.variable)
			}
			if strings.Contains(out, secret) {
				t.Error("the secret was printed")
			}
		})
	}
}

func TestStartsAndStops(t *testing.T) {
	env := map[string]string{
		"MCP_LISTEN_ADDR": "127.0.0.1:0",
		"JWT_SECRET_KEY":  strings.Repeat("s", 32),
		"JWT_ISSUER":      "core-app",
		"JWT_AUDIENCE":    "mcp-server",
		"BACKEND_API_URL": "http://127.0.0.1:1",
		"BACKEND_AUTH":    "passthrough",
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop at once: run must shut down cleanly and exit 0
	var stderr strings.Builder
	if code := run(ctx, func(k string) string { return env[k] }, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "level=WARN") || !strings.Contains(stderr.String(), "passthrough") {
		t.Errorf("passthrough mode must warn at startup: %s", stderr.String())
	}
}
