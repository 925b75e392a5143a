package refserver

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestOriginPolicy(t *testing.T) {
	p := newOriginPolicy("http://127.0.0.1:18080/mcp", []string{"http://localhost:6274", "https://App.Example"})
	for _, c := range []struct {
		origins []string
		want    bool
	}{
		{nil, true}, // not a browser: judged by the token
		{[]string{"http://127.0.0.1:18080"}, true},
		{[]string{"http://localhost:6274"}, true},
		{[]string{"https://app.example:443"}, true},
		{[]string{"HTTPS://APP.EXAMPLE"}, true},
		{[]string{"http://evil.example"}, false},
		{[]string{"null"}, false},
		{[]string{""}, false},
		{[]string{"http://127.0.0.1:18081"}, false},
		{[]string{"https://127.0.0.1:18080"}, false},
		{[]string{"http://localhost:6274/path"}, false},
		{[]string{"http://localhost:6274", "http://localhost:6274"}, false},
	} {
		r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		for _, o := range c.origins {
			r.Header.Add("Origin", o)
		}
		if got := p.allows(r); got != c.want {
			t.Errorf("Origin %q: allowed %v, want %v", c.origins, got, c.want)
		}
	}
}

func TestAllowedOriginsConfig(t *testing.T) {
	env := map[string]string{
		"JWT_SECRET_KEY": "0123456789abcdef0123456789abcdef", "JWT_ISSUER": "http://127.0.0.1:18081",
		"JWT_AUDIENCE": "mcp-server", "BACKEND_API_URL": "http://127.0.0.1:18081",
		"BACKEND_TOKEN_URL": "http://127.0.0.1:18081/oauth/token", "MCP_CLIENT_ID": "c", "MCP_CLIENT_SECRET": "s",
		"MCP_ALLOWED_ORIGINS": "http://localhost:6274, https://app.example",
	}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || len(c.AllowedOrigins) != 2 {
		t.Fatalf("%v, %q", err, c.AllowedOrigins)
	}
	env["MCP_ALLOWED_ORIGINS"] = "http://localhost:6274/app"
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil || err.Error()[:19] != "MCP_ALLOWED_ORIGINS" {
		t.Errorf("an origin with a path: %v", err)
	}
}

func TestIssuerIsURL(t *testing.T) {
	for iss, want := range map[string]bool{
		"https://auth.example": true, "http://127.0.0.1:18081": true, "http://localhost:9": true, "http://[::1]:9": true,
		"core-app": false, "http://auth.example": false, "https://auth.example?x=1": false, "https://auth.example#f": false,
	} {
		if got := issuerIsURL(iss); got != want {
			t.Errorf("%q: %v, want %v", iss, got, want)
		}
	}
}
