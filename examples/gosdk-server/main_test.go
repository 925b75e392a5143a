package main

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
)

func TestConfigurationErrorsExitTwo(t *testing.T) {
	secret := base64.RawURLEncoding.EncodeToString(testSecret(t))
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
	for _, tt := range []struct{ name, variable, value string }{
		{"short secret", "JWT_SECRET_KEY", "too-short"},
		{"missing issuer", "JWT_ISSUER", ""},
		{"missing audience", "JWT_AUDIENCE", ""},
		{"bad backend URL", "BACKEND_API_URL", "not a url"},
		{"backend URL with a trailing slash", "BACKEND_API_URL", "http://127.0.0.1:1/"},
		{"missing token URL", "BACKEND_TOKEN_URL", ""},
		{"missing client secret", "MCP_CLIENT_SECRET", ""},
		{"bad timeout", "BACKEND_TIMEOUT", "forever"},
		{"header timeout too long", "MCP_READ_HEADER_TIMEOUT", "1h"},
		{"JWKS asked for", "JWT_JWKS_URL", "http://127.0.0.1:1/jwks"},
		{"bad listen address", "MCP_LISTEN_ADDR", "127.0.0.1:-1"},
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
			if strings.Contains(out, secret) || strings.Contains(out, "client-secret") {
				t.Error("a secret was printed")
			}
		})
	}
}

func TestStartsAndStops(t *testing.T) {
	env := map[string]string{
		"MCP_LISTEN_ADDR":   "127.0.0.1:0",
		"JWT_SECRET_KEY":    base64.RawURLEncoding.EncodeToString(testSecret(t)),
		"JWT_ISSUER":        "core-app",
		"JWT_AUDIENCE":      "mcp-server",
		"BACKEND_API_URL":   "http://127.0.0.1:1",
		"BACKEND_TOKEN_URL": "http://127.0.0.1:1/oauth/token",
		"MCP_CLIENT_ID":     "mcp-server",
		"MCP_CLIENT_SECRET": "client-secret",
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // stop at once: run must shut down cleanly and exit 0
	var stderr strings.Builder
	if code := run(ctx, func(k string) string { return env[k] }, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "msg=listening") || !strings.Contains(stderr.String(), "msg=stopped") {
		t.Errorf("want a listening and a stopped line: %s", stderr.String())
	}
}
