package refserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/refserver"
)

func TestMiddlewareAnswers(t *testing.T) {
	st := newStack(t, harness.EmbeddedOptions{})
	good := st.token("alice")
	u := harness.Users["alice"]
	expired, err := st.target.Issuer.TokenWith(u, map[string]json.RawMessage{"exp": json.RawMessage("1000")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wrongAud, err := st.target.Issuer.TokenWith(u, map[string]json.RawMessage{"aud": json.RawMessage(`"other"`)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	metadata := st.target.BaseURL + "/.well-known/oauth-protected-resource/mcp"

	type want struct {
		Status    int
		Challenge string // the WWW-Authenticate header, whole
		Error     string // "error" of the JSON body
	}
	tests := []struct {
		name  string
		creds harness.Credentials
		query url.Values
		want  want
	}{
		{"valid", harness.BearerHeader(good), nil, want{Status: 200}},
		{"lowercase scheme", harness.RawAuthorization("bearer " + good), nil, want{Status: 200}},
		{"uppercase scheme", harness.RawAuthorization("BEARER " + good), nil, want{Status: 200}},
		{"two spaces", harness.RawAuthorization("Bearer  " + good), nil, want{Status: 200}},
		{"no credentials", harness.NoCredentials, nil, want{401, `Bearer scope="read", resource_metadata="` + metadata + `"`, "unauthorized"}},
		{"basic scheme", harness.RawAuthorization("Basic dXNlcjpwYXNz"), nil, want{401, `Bearer scope="read", resource_metadata="` + metadata + `"`, "unauthorized"}},
		{"tab separator", harness.RawAuthorization("Bearer\t" + good), nil, want{401, `Bearer scope="read", resource_metadata="` + metadata + `"`, "unauthorized"}},
		{"Bearer- prefix", harness.RawAuthorization("Bearer-" + good), nil, want{401, `Bearer scope="read", resource_metadata="` + metadata + `"`, "unauthorized"}},
		{"empty token", harness.RawAuthorization("Bearer "), nil, want{401, `Bearer error="invalid_token", error_description="empty bearer token", scope="read", resource_metadata="` + metadata + `"`, "invalid_token"}},
		{"expired", harness.BearerHeader(expired), nil, want{401, `Bearer error="invalid_token", error_description="token expired", scope="read", resource_metadata="` + metadata + `"`, "invalid_token"}},
		{"wrong audience", harness.BearerHeader(wrongAud), nil, want{401, `Bearer error="invalid_token", error_description="wrong audience", scope="read", resource_metadata="` + metadata + `"`, "invalid_token"}},
		{"two headers", harness.RawAuthorization("Bearer "+good, "Bearer "+good), nil, want{400, `Bearer error="invalid_request", error_description="more than one credential in the request", resource_metadata="` + metadata + `"`, "invalid_request"}},
		{"header and query", harness.BearerHeader(good), url.Values{"access_token": {good}}, want{400, `Bearer error="invalid_request", error_description="more than one credential in the request", resource_metadata="` + metadata + `"`, "invalid_request"}},
		{"query only", harness.NoCredentials, url.Values{"access_token": {good}}, want{401, `Bearer scope="read", resource_metadata="` + metadata + `"`, "unauthorized"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := st.client.Do(context.Background(), harness.Exchange{
				Creds: tt.creds, Query: tt.query,
				Message: &harness.Message{ID: 1, Method: "initialize", Params: harness.InitializeParams()},
			})
			if err != nil {
				t.Fatal(err)
			}
			got := want{Status: resp.Status, Challenge: resp.Header.Get("WWW-Authenticate")}
			if resp.Status != 200 {
				// A POST carrying a JSON-RPC request is refused with a
				// JSON-RPC error response to it, the OAuth error in data.
				var body struct {
					JSONRPC string          `json:"jsonrpc"`
					ID      json.RawMessage `json:"id"`
					Error   struct {
						Code    int    `json:"code"`
						Message string `json:"message"`
						Data    struct {
							Error       string `json:"error"`
							Description string `json:"error_description"`
						} `json:"data"`
					} `json:"error"`
				}
				if err := json.Unmarshal(resp.Body, &body); err != nil {
					t.Fatalf("body is not JSON: %s", resp.Body)
				}
				wantCode := refserver.CodeAuthRefused
				if resp.Status == 400 {
					wantCode = -32600
				}
				if body.JSONRPC != "2.0" || string(body.ID) != "1" || body.Error.Code != wantCode ||
					body.Error.Message != body.Error.Data.Error+": "+body.Error.Data.Description {
					t.Errorf("not a JSON-RPC error response to id 1 with code %d: %s", wantCode, resp.Body)
				}
				got.Error = body.Error.Data.Error
				if strings.Contains(string(resp.Body), good) || strings.Contains(got.Challenge, good) {
					t.Error("the answer echoes the token")
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

// Every MCP message is authenticated, not only initialize and tools/call.
func TestEveryRequestNeedsAToken(t *testing.T) {
	st := newStack(t, harness.EmbeddedOptions{})
	sess := st.open(harness.BearerHeader(st.token("alice")))
	for _, ex := range []harness.Exchange{
		{Message: &harness.Message{Method: "notifications/initialized"}},
		{Message: &harness.Message{ID: 2, Method: "tools/list"}},
		{Message: &harness.Message{ID: 3, Method: "ping"}},
		{Message: &harness.Message{ID: 4, Method: "tools/call", Params: map[string]any{"name": "whoami"}}},
		{Method: http.MethodGet},
		{Method: http.MethodDelete},
	} {
		ex.Session = sess.ID
		resp, err := st.client.Do(context.Background(), ex)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusUnauthorized {
			t.Errorf("%s %v without a token: HTTP %d, want 401", ex.Method, ex.Message, resp.Status)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	st := newStack(t, harness.EmbeddedOptions{})
	big := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", 2<<20) + `"}}`
	resp, err := st.client.Do(context.Background(), harness.Exchange{Creds: harness.BearerHeader(st.token("alice")), Body: []byte(big)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: HTTP %d, want 413", resp.Status)
	}
}

func TestMetadataAndHealth(t *testing.T) {
	st := newStack(t, harness.EmbeddedOptions{})
	for _, path := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"} {
		resp := st.get(path)
		var doc map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: HTTP %d, %v", path, resp.StatusCode, err)
		}
		want := map[string]any{
			"resource":                 st.target.MCPURL,
			"authorization_servers":    []any{st.target.Issuer.Issuer}, // JWT_ISSUER, the fake backend's URL
			"scopes_supported":         []any{"read", "write", "admin"},
			"bearer_methods_supported": []any{"header"},
			"resource_name":            "mcpauthspec reference MCP server",
		}
		if diff := cmp.Diff(want, doc); diff != "" {
			t.Errorf("%s (-want +got):\n%s", path, diff)
		}
	}
	if resp := st.get("/healthz"); resp.StatusCode != 200 {
		t.Errorf("/healthz: HTTP %d", resp.StatusCode)
	}
}
