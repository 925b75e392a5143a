package steps

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseChallenges(t *testing.T) {
	type ch = authChallenge
	p := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name   string
		values []string
		want   []ch
	}{
		{"bearer with quoted params", []string{`Bearer resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp", scope="read"`},
			[]ch{{scheme: "Bearer", params: p("resource_metadata", "http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp", "scope", "read")}}},
		{"DPoP before Bearer in one line (RFC 9449 §7.1 style)", []string{`DPoP algs="ES256 PS256", Bearer error="invalid_token", resource_metadata="https://x/m"`},
			[]ch{{scheme: "DPoP", params: p("algs", "ES256 PS256")}, {scheme: "Bearer", params: p("error", "invalid_token", "resource_metadata", "https://x/m")}}},
		{"two lines", []string{`Basic realm="x"`, `bearer scope=read`},
			[]ch{{scheme: "Basic", params: p("realm", "x")}, {scheme: "bearer", params: p("scope", "read")}}},
		{"bare schemes and token68", []string{`Negotiate, Bearer, Foo abc+/9==, Bar`},
			[]ch{{scheme: "Negotiate", params: p()}, {scheme: "Bearer", params: p()}, {scheme: "Foo", token68: "abc+/9==", params: p()}, {scheme: "Bar", params: p()}}},
		{"quoted comma and escapes, BWS and empty elements", []string{`Bearer realm = "a, b=\"c\"" ,, error=invalid_token , Basic realm="z"`},
			[]ch{{scheme: "Bearer", params: p("realm", `a, b="c"`, "error", "invalid_token")}, {scheme: "Basic", params: p("realm", "z")}}},
		{"parameter names are case-insensitive", []string{`Bearer Resource_Metadata="u", ERROR="e"`},
			[]ch{{scheme: "Bearer", params: p("resource_metadata", "u", "error", "e")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseChallenges(tt.values)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(authChallenge{})); d != "" {
				t.Errorf("-want +got\n%s", d)
			}
		})
	}
	for _, bad := range []string{`Bearer realm="open`, `Bearer realm=",x`, `Bearer a=b c`, `Bearer a=1, a=2`, `="x"`, `Bearer realm="x\`} {
		if got, err := parseChallenges([]string{bad}); err == nil {
			t.Errorf("%q parsed as %+v, want an error", bad, got)
		}
	}
}

// TestAllowedResources: RFC 9728 §3.3 at each well-known location.
func TestAllowedResources(t *testing.T) {
	const r = "https://mcp.example.com/mcp"
	tests := []struct {
		resource, path string
		want           []string
	}{
		{r, "/.well-known/oauth-protected-resource/mcp", []string{r}},
		{r, "/.well-known/oauth-protected-resource", []string{r, "https://mcp.example.com", "https://mcp.example.com/"}},
		{"https://mcp.example.com", "/.well-known/oauth-protected-resource", []string{"https://mcp.example.com", "https://mcp.example.com", "https://mcp.example.com/"}},
		{r, "/.well-known/oauth-protected-resource/other", []string{r}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, allowedResources(tt.resource, tt.path)); d != "" {
			t.Errorf("%s at %s: -want +got\n%s", tt.resource, tt.path, d)
		}
	}
}
