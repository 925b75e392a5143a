package fakebackend_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

// The authorization code grant with PKCE: alice is signed in with the
// scopes she holds among those asked, the code works once, for its client,
// redirect URI and verifier only.
func TestAuthorizationCodeGrant(t *testing.T) {
	e := newEnv(t, func(c *fakebackend.Config) {
		c.Users = map[string]fakebackend.User{"user-alice": {OrgID: fakebackend.OrgAcme, Scopes: []string{"read", "write"}}}
	})
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := "a-verifier-of-forty-three-characters-or-more-000"
	sum := sha256.Sum256([]byte(verifier))
	const redirect = "http://127.0.0.1:9/cb"
	authorize := func(user, scope string) url.Values {
		q := url.Values{"response_type": {"code"}, "client_id": {"c1"}, "redirect_uri": {redirect}, "state": {"s1"},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
			"scope": {scope}, "login_hint": {user}}
		resp, err := noRedirects.Get(e.srv.URL + "/oauth/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), redirect) || loc.Query().Get("state") != "s1" {
			t.Fatalf("authorize: HTTP %d to %q", resp.StatusCode, loc)
		}
		return loc.Query()
	}
	redeem := func(code, verifier, clientID string) (int, map[string]any) {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
			"client_id": {clientID}, "code_verifier": {verifier}}
		resp, err := http.PostForm(e.srv.URL+"/oauth/token", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}

	if q := authorize("user-nobody", "read"); q.Get("error") != "access_denied" {
		t.Errorf("an unknown user: %v", q)
	}
	code := authorize("user-alice", "write admin").Get("code")
	if status, _ := redeem(code, "wrong-verifier-wrong-verifier-wrong-verifier", "c1"); status != http.StatusBadRequest {
		t.Errorf("a wrong PKCE verifier: HTTP %d", status)
	}
	code = authorize("user-alice", "write admin").Get("code")
	if status, _ := redeem(code, verifier, "c2"); status != http.StatusBadRequest {
		t.Errorf("another client: HTTP %d", status)
	}
	code = authorize("user-alice", "write admin").Get("code")
	status, body := redeem(code, verifier, "c1")
	if status != http.StatusOK {
		t.Fatalf("redeem: HTTP %d %v", status, body)
	}
	var c jwt.MapClaims
	if _, err := jwt.ParseWithClaims(body["access_token"].(string), &c, func(*jwt.Token) (any, error) { return e.secret, nil }); err != nil {
		t.Fatal(err)
	}
	if c["sub"] != "user-alice" || c["org_id"] != fakebackend.OrgAcme || c["scope"] != "write" || c["iss"] != issuer {
		t.Errorf("claims %v: want alice in org-acme with write only (admin is not hers)", c)
	}
	if status, _ := redeem(code, verifier, "c1"); status != http.StatusBadRequest {
		t.Errorf("a code used twice: HTTP %d", status)
	}
}
