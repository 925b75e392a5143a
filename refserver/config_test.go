package refserver_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/refserver"
)

func TestConfigFromEnv(t *testing.T) {
	secret := strings.Repeat("k", 32)
	base := map[string]string{
		"MCP_LISTEN_ADDR":   "127.0.0.1:18080",
		"JWT_SECRET_KEY":    secret,
		"JWT_ISSUER":        "core-app",
		"JWT_AUDIENCE":      "mcp-server",
		"BACKEND_API_URL":   "http://127.0.0.1:18081",
		"BACKEND_TOKEN_URL": "http://127.0.0.1:18081/oauth/token",
		"MCP_CLIENT_ID":     "mcp-server",
		"MCP_CLIENT_SECRET": "client-secret",
	}
	tests := []struct {
		name    string
		change  map[string]string
		wantVar string // "" for a valid configuration
	}{
		{"valid", nil, ""},
		{"missing secret", map[string]string{"JWT_SECRET_KEY": ""}, "JWT_SECRET_KEY"},
		{"short secret", map[string]string{"JWT_SECRET_KEY": "short-secret"}, "JWT_SECRET_KEY"},
		{"missing issuer", map[string]string{"JWT_ISSUER": ""}, "JWT_ISSUER"},
		{"missing audience", map[string]string{"JWT_AUDIENCE": ""}, "JWT_AUDIENCE"},
		{"bad backend URL", map[string]string{"BACKEND_API_URL": "ftp://x"}, "BACKEND_API_URL"},
		{"trailing slash", map[string]string{"BACKEND_API_URL": "http://127.0.0.1:18081/"}, "BACKEND_API_URL"},
		{"bad leeway", map[string]string{"JWT_LEEWAY": "soon"}, "JWT_LEEWAY"},
		{"leeway too large", map[string]string{"JWT_LEEWAY": "6m"}, "JWT_LEEWAY"},
		{"bad listen address", map[string]string{"MCP_LISTEN_ADDR": "nowhere"}, "MCP_LISTEN_ADDR"},
		{"exchange needs a token URL", map[string]string{"BACKEND_TOKEN_URL": ""}, "BACKEND_TOKEN_URL"},
		{"exchange needs a client secret", map[string]string{"MCP_CLIENT_SECRET": ""}, "MCP_CLIENT_SECRET"},
		{"passthrough needs no client", map[string]string{"BACKEND_AUTH": "passthrough", "BACKEND_TOKEN_URL": "", "MCP_CLIENT_SECRET": ""}, ""},
		{"unknown backend auth", map[string]string{"BACKEND_AUTH": "forward"}, "BACKEND_AUTH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.change {
				env[k] = v
			}
			cfg, err := refserver.ConfigFromEnv(func(k string) string { return env[k] })
			if tt.wantVar == "" {
				if err != nil {
					t.Fatal(err)
				}
				if cfg.ResourceURL != "http://127.0.0.1:18080/mcp" {
					t.Errorf("default resource URL %q", cfg.ResourceURL)
				}
				return
			}
			var ce *refserver.ConfigError
			if !errors.As(err, &ce) || ce.Var != tt.wantVar {
				t.Fatalf("error %v, want one naming %s", err, tt.wantVar)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "client-secret") {
				t.Error("the error message contains a secret")
			}
		})
	}
}
