package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

const testMetadataURL = "http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp"

// TestRequireBearerAnswers drives the SDK's RequireBearerToken through
// requireBearer and checks every answer the contract fixes: the status, the
// challenge's error code and parameters, and the JSON body.
func TestRequireBearerAnswers(t *testing.T) {
	secret := testSecret(t)
	now := time.Now()
	claims := jwt.MapClaims{"iss": testIssuer, "aud": testAudience, "sub": "user-bob", "org_id": "org-acme",
		"scope": "read", "exp": now.Add(time.Hour).Unix()}
	valid := sign(t, jwt.SigningMethodHS256, secret, claims, nil)
	forged := sign(t, jwt.SigningMethodHS256, testSecret(t), claims, nil)

	for _, tt := range []struct {
		name       string
		headers    []string
		query      string
		body       string
		wantStatus int
		wantError  string // challenge error="" code; "" for none
		wantScope  string
	}{
		{name: "no credentials", wantStatus: 401, wantScope: "read"},
		{name: "Basic", headers: []string{"Basic YWxpY2U6cGFzc3dvcmQ="}, wantStatus: 401, wantScope: "read"},
		{name: "a tab after Bearer", headers: []string{"Bearer\t" + valid}, wantStatus: 401, wantScope: "read"},
		{name: "Bearer alone", headers: []string{"Bearer"}, wantStatus: 401, wantScope: "read"},
		{name: "text after the token", headers: []string{"Bearer " + valid + " trailing"}, wantStatus: 401, wantError: "invalid_token", wantScope: "read"},
		{name: "forged", headers: []string{"Bearer " + forged}, wantStatus: 401, wantError: "invalid_token", wantScope: "read"},
		{name: "valid then forged", headers: []string{"Bearer " + valid, "Bearer " + forged}, wantStatus: 400, wantError: "invalid_request"},
		{name: "valid twice", headers: []string{"Bearer " + valid, "Bearer " + valid}, wantStatus: 400, wantError: "invalid_request"},
		{name: "header and query", headers: []string{"Bearer " + valid}, query: "?access_token=" + valid, wantStatus: 400, wantError: "invalid_request"},
		{name: "tools/call beyond the scope", headers: []string{"Bearer " + valid},
			body:       `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_ticket","arguments":{"title":"x"}}}`,
			wantStatus: 403, wantError: "insufficient_scope", wantScope: "write"},
		{name: "a batch hiding a tools/call beyond the scope", headers: []string{"Bearer " + valid},
			body:       `[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"system_status"}}]`,
			wantStatus: 403, wantError: "insufficient_scope", wantScope: "admin"},
		{name: "a second spelling of name does not hide the tool", headers: []string{"Bearer " + valid},
			body:       `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_ticket","Name":"whoami"}}`,
			wantStatus: 403, wantError: "insufficient_scope", wantScope: "admin"},
		{name: "valid", headers: []string{"bEaReR  " + valid}, wantStatus: 200},
		{name: "tools/call within the scope", headers: []string{"Bearer " + valid},
			body:       `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_tickets"}}`,
			wantStatus: 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var seen *auth.TokenInfo
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = auth.TokenInfoFromContext(r.Context())
				w.WriteHeader(http.StatusOK)
			})
			h := requireBearer(newVerifier(secret, testIssuer, testAudience, nil), testMetadataURL,
				requireToolScope(testMetadataURL, next))
			req := httptest.NewRequest(http.MethodPost, "/mcp"+tt.query, strings.NewReader(tt.body))
			for _, v := range tt.headers {
				req.Header.Add("Authorization", v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %q)", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus == 200 {
				if c := claimsFrom(seen); c == nil || c.Subject != "user-bob" {
					t.Errorf("the MCP handler saw TokenInfo %+v; want bob's claims", seen)
				}
				return
			}
			if seen != nil {
				t.Error("the MCP handler ran for a refused request")
			}
			params := challengeParams(t, rec.Header().Values("WWW-Authenticate"))
			if params["error"] != tt.wantError || params["scope"] != tt.wantScope || params["resource_metadata"] != testMetadataURL {
				t.Errorf("challenge %v; want error %q, scope %q and resource_metadata", params, tt.wantError, tt.wantScope)
			}
			var body map[string]string
			if rec.Header().Get("Content-Type") != "application/json" || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body["error"] == "" {
				t.Errorf("body %q (%s), want a JSON error", rec.Body, rec.Header().Get("Content-Type"))
			}
			for _, tok := range []string{valid, forged} {
				if strings.Contains(rec.Body.String(), tok) || strings.Contains(strings.Join(rec.Header().Values("WWW-Authenticate"), ""), tok) {
					t.Error("the refusal echoes a token")
				}
			}
		})
	}
}

// challengeParams parses the one Bearer challenge; the SDK's own must not
// also be there.
func challengeParams(t *testing.T, values []string) map[string]string {
	t.Helper()
	if len(values) != 1 || !strings.HasPrefix(values[0], "Bearer ") {
		t.Fatalf("WWW-Authenticate %q, want one Bearer challenge", values)
	}
	params := map[string]string{}
	for _, p := range strings.Split(strings.TrimPrefix(values[0], "Bearer "), ", ") {
		k, v, _ := strings.Cut(p, "=")
		params[k] = strings.Trim(v, `"`)
	}
	return params
}

func TestCalledTools(t *testing.T) {
	for body, want := range map[string][]string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami"}}`:                                                                   {"whoami"},
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`:                                                                                              nil,
		`{"jsonrpc":"2.0","id":1,"method":"TOOLS/CALL","params":{"name":"whoami"}}`:                                                                   nil,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}}`:                                                             {"b"},
		`[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"b"}}]`: {"a", "b"},
		`not json`: nil,
	} {
		if got := calledTools([]byte(body)); !slices.Equal(got, want) {
			t.Errorf("calledTools(%s) = %q, want %q", body, got, want)
		}
	}
}
