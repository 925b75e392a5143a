package fakebackend_test

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

func TestNewRejectsBadConfig(t *testing.T) {
	good := fakebackend.Config{
		Secret: make([]byte, 32), Issuer: issuer, Audience: audience,
		ClientID: clientID, ClientSecret: "x",
	}
	tests := []struct {
		name string
		mod  func(*fakebackend.Config)
	}{
		{"short secret", func(c *fakebackend.Config) { c.Secret = c.Secret[:31] }},
		{"no issuer", func(c *fakebackend.Config) { c.Issuer = "" }},
		{"no audience", func(c *fakebackend.Config) { c.Audience = "" }},
		{"audience core-api", func(c *fakebackend.Config) { c.Audience = fakebackend.APIAudience }},
		{"no client id", func(c *fakebackend.Config) { c.ClientID = "" }},
		{"no client secret", func(c *fakebackend.Config) { c.ClientSecret = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mod(&cfg)
			if _, err := fakebackend.New(cfg); err == nil {
				t.Error("New succeeded")
			}
		})
	}
	if _, err := fakebackend.New(good); err != nil {
		t.Errorf("New(good config): %v", err)
	}
}

func TestAuthFailures(t *testing.T) {
	e := newEnv(t)
	otherKey := make([]byte, 32)
	rand.Read(otherKey)
	with := func(mod func(jwt.MapClaims)) string {
		c := e.claims("read write admin")
		mod(c)
		return e.sign(c)
	}
	valid := e.token(fakebackend.OrgAcme, "read")
	unsigned, err := jwt.NewWithClaims(jwt.SigningMethodNone, e.claims("read")).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	hs512, err := jwt.NewWithClaims(jwt.SigningMethodHS512, e.claims("read")).SignedString(e.secret)
	if err != nil {
		t.Fatal(err)
	}
	otherSig, err := jwt.NewWithClaims(jwt.SigningMethodHS256, e.claims("read")).SignedString(otherKey)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()

	tests := []struct {
		name   string
		header []string // Authorization values
		query  string
	}{
		{"none", nil, ""},
		{"token in query only", nil, "?access_token=" + valid},
		{"basic scheme", []string{"Basic dXNlcjpwYXNz"}, ""},
		{"empty bearer", []string{"Bearer "}, ""},
		{"two headers", []string{"Bearer " + valid, "Bearer " + valid}, ""},
		{"garbage", []string{"Bearer not.a.jwt"}, ""},
		{"bad signature", []string{"Bearer " + otherSig}, ""},
		{"tampered payload", []string{"Bearer " + tamper(valid)}, ""},
		{"alg none", []string{"Bearer " + unsigned}, ""},
		{"alg HS512", []string{"Bearer " + hs512}, ""},
		{"wrong issuer", []string{"Bearer " + with(func(c jwt.MapClaims) { c["iss"] = "evil" })}, ""},
		{"no issuer", []string{"Bearer " + with(func(c jwt.MapClaims) { delete(c, "iss") })}, ""},
		{"wrong audience", []string{"Bearer " + with(func(c jwt.MapClaims) { c["aud"] = "other" })}, ""},
		{"no audience", []string{"Bearer " + with(func(c jwt.MapClaims) { delete(c, "aud") })}, ""},
		{"expired", []string{"Bearer " + with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() })}, ""},
		{"no exp", []string{"Bearer " + with(func(c jwt.MapClaims) { delete(c, "exp") })}, ""},
		{"not yet valid", []string{"Bearer " + with(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() })}, ""},
		{"issued in the future", []string{"Bearer " + with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Minute).Unix() })}, ""},
		{"no org_id", []string{"Bearer " + with(func(c jwt.MapClaims) { delete(c, "org_id") })}, ""},
		{"empty org_id", []string{"Bearer " + with(func(c jwt.MapClaims) { c["org_id"] = "" })}, ""},
		{"no sub", []string{"Bearer " + with(func(c jwt.MapClaims) { delete(c, "sub") })}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/users/me"+tt.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tt.header {
				req.Header.Add("Authorization", v)
			}
			resp := e.do(req)
			if resp.status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", resp.status, resp.body)
			}
			if got := resp.code(t); got != "invalid_token" {
				t.Errorf("code %q, want invalid_token", got)
			}
			if ch := resp.header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer ") {
				t.Errorf("WWW-Authenticate %q, want a Bearer challenge", ch)
			}
			for _, h := range tt.header {
				if tok := strings.TrimPrefix(h, "Bearer "); len(tok) > 10 && strings.Contains(string(resp.body), tok) {
					t.Error("the error body contains the token")
				}
			}
		})
	}
}

// tamper moves a token to another organization without re-signing it.
func tamper(token string) string {
	parts := strings.SplitN(token, ".", 3)
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		panic(err)
	}
	payload = []byte(strings.Replace(string(payload), fakebackend.OrgAcme, fakebackend.OrgGlobex, 1))
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
}

func TestAcceptedTokens(t *testing.T) {
	e := newEnv(t)
	client := e.token(fakebackend.OrgGlobex, "read write")
	tests := []struct {
		name  string
		token string
	}{
		{"client token, aud array", client},
		{"client token, aud string", e.sign(func() jwt.MapClaims {
			c := e.claims("read write")
			c["aud"], c["org_id"] = audience, fakebackend.OrgGlobex
			return c
		}())},
		{"exchanged token", e.exchange(client)},
		{"aud with another value too", e.sign(func() jwt.MapClaims {
			c := e.claims("read write")
			c["aud"], c["org_id"] = []string{"other", fakebackend.APIAudience}, fakebackend.OrgGlobex
			return c
		}())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.call(http.MethodGet, "/api/users/me", tt.token, nil)
			if resp.status != http.StatusOK {
				t.Fatalf("status %d: %s", resp.status, resp.body)
			}
			var got map[string]any
			resp.json(t, &got)
			want := map[string]any{"user_id": "user-alice", "org_id": fakebackend.OrgGlobex, "scopes": []any{"read", "write"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("/api/users/me (-want +got):\n%s", diff)
			}
		})
	}
}
