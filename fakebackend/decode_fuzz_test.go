package fakebackend_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

// Routes of FuzzDecodeRequest: every place the fake backend decodes what a
// client sent.
var fuzzRoutes = []struct{ method, path string }{
	{http.MethodPost, "/api/tickets"},           // decodeBody: create
	{http.MethodPatch, "/api/tickets/TKT-1001"}, // decodeBody: patch
	{http.MethodPost, "/oauth/token"},           // form, client authentication, subject token
	{http.MethodPut, "/_admin/fault"},           // the fault object
	{http.MethodGet, "/api/tickets"},            // query parameters (body used as the query)
}

// FuzzDecodeRequest sends arbitrary bodies, content types and Authorization
// headers to each decoding route of the fake backend. Seeds reach the deep
// paths through placeholders replaced at run time, since keys are never
// committed: {token} becomes a valid token of user-alice (org-acme, read
// write), {client} and {secret} the MCP client's credentials, and an
// Authorization of {basic} their client_secret_basic form.
//
// Whatever the input: no panic and no 5xx; every answer but 204 is JSON;
// an error never echoes the bearer or subject token; a created or patched
// ticket is org-acme's whatever org_id the body names; a listed ticket is
// org-acme's; an issued token keeps the subject's user and organization, a
// subset of its scopes, the core-api audience and the client as actor.
func FuzzDecodeRequest(f *testing.F) {
	secret := make([]byte, 32)
	rand.Read(secret)
	clientSecret := rand.Text()
	now := time.Now()
	b, err := fakebackend.New(fakebackend.Config{
		Secret: secret, Issuer: issuer, Audience: audience,
		ClientID: clientID, ClientSecret: clientSecret,
		Now: func() time.Time { return now },
	})
	if err != nil {
		f.Fatal(err)
	}
	alice, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": issuer, "aud": audience, "sub": "user-alice", "org_id": "org-acme",
		"scope": "read write", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}).SignedString(secret)
	if err != nil {
		f.Fatal(err)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID)+":"+url.QueryEscape(clientSecret)))
	fill := strings.NewReplacer("{token}", alice, "{client}", clientID, "{secret}", url.QueryEscape(clientSecret))

	f.Fuzz(func(t *testing.T, route uint8, contentType, auth string, body []byte) {
		b.Reset()
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		body = []byte(fill.Replace(string(body)))
		target := rt.path
		if rt.method == http.MethodGet {
			target += "?" + string(body)
			body = nil
		}
		req, err := http.NewRequest(rt.method, "http://127.0.0.1"+target, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		switch {
		case auth == "{basic}":
			auth = basic
		case auth == "" && strings.HasPrefix(rt.path, "/api/"):
			auth = "Bearer " + alice
		default:
			auth = fill.Replace(auth)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		b.ServeHTTP(rec, req)
		resp := rec.Result()
		out := rec.Body.Bytes()

		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s: HTTP %d %s", rt.method, rt.path, resp.StatusCode, out)
		}
		if resp.StatusCode == http.StatusNoContent {
			if rt.path == "/_admin/fault" {
				b.SetFault(fakebackend.Fault{})
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("%s %s: HTTP %d, not JSON: %q", rt.method, rt.path, resp.StatusCode, out)
		}
		if resp.StatusCode >= 400 {
			for _, tok := range []string{alice, strings.TrimPrefix(auth, "Bearer ")} {
				if len(tok) >= 16 && bytes.Contains(out, []byte(tok)) {
					t.Fatalf("%s %s: the error echoes a token: %s", rt.method, rt.path, out)
				}
			}
			return
		}
		switch rt.path {
		case "/api/tickets/TKT-1001", "/api/tickets":
			if rt.method == http.MethodGet {
				var list struct{ Tickets []fakebackend.Ticket }
				if err := json.Unmarshal(out, &list); err != nil {
					t.Fatalf("list: %v: %s", err, out)
				}
				for _, tk := range list.Tickets {
					if tk.OrgID != "org-acme" {
						t.Fatalf("org-acme's caller listed %+v", tk)
					}
				}
				return
			}
			var tk fakebackend.Ticket
			if err := json.Unmarshal(out, &tk); err != nil || tk.OrgID != "org-acme" || tk.ID == "" {
				t.Fatalf("%s %s with body %q: ticket %s", rt.method, rt.path, body, out)
			}
		case "/oauth/token":
			checkIssued(t, out, secret, body)
		default:
			t.Fatalf("%s %s: unexpected HTTP %d %s", rt.method, rt.path, resp.StatusCode, out)
		}
	})
}

// checkIssued verifies an exchanged token with the backend's key: the
// subject's user and organization, aud core-api, act the client, and scopes
// the subject token had.
func checkIssued(t *testing.T, out, secret, form []byte) {
	t.Helper()
	var answer struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(out, &answer); err != nil || answer.TokenType != "Bearer" {
		t.Fatalf("token answer %s", out)
	}
	var c struct {
		jwt.RegisteredClaims
		OrgID string `json:"org_id"`
		Scope string `json:"scope"`
		Act   struct {
			Sub string `json:"sub"`
		} `json:"act"`
	}
	_, err := jwt.ParseWithClaims(answer.AccessToken, &c, func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation())
	if err != nil {
		t.Fatalf("issued token does not verify: %v", err)
	}
	if c.Subject != "user-alice" || c.OrgID != "org-acme" || !slices.Equal(c.Audience, jwt.ClaimStrings{fakebackend.APIAudience}) || c.Act.Sub != clientID {
		t.Fatalf("form %q issued sub %q org %q aud %q act %q", form, c.Subject, c.OrgID, c.Audience, c.Act.Sub)
	}
	for _, s := range strings.Fields(c.Scope) {
		if s != "read" && s != "write" {
			t.Fatalf("form %q issued scope %q beyond the subject's", form, c.Scope)
		}
	}
}
