package fakebackend_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

type exchanged struct {
	jwt.RegisteredClaims
	OrgID string `json:"org_id"`
	Scope string `json:"scope"`
	Act   struct {
		Sub string `json:"sub"`
	} `json:"act"`
}

func TestExchange(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	short := e.claims("read write")
	short["exp"] = now.Add(2 * time.Minute).Unix()

	tests := []struct {
		name      string
		subject   jwt.MapClaims
		scope     string
		basic     bool
		wantScope string
		wantExp   time.Time
	}{
		{"basic auth", e.claims("read write"), "", true, "read write", now.Add(5 * time.Minute)},
		{"post auth", e.claims("read write"), "", false, "read write", now.Add(5 * time.Minute)},
		{"narrowed scope", e.claims("read write admin"), "read", true, "read", now.Add(5 * time.Minute)},
		{"same scope requested", e.claims("read write"), "write read write", true, "read write", now.Add(5 * time.Minute)},
		{"no scope", e.claims(""), "", true, "", now.Add(5 * time.Minute)},
		{"short-lived subject", short, "", true, "read write", now.Add(2 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subject := e.sign(tt.subject)
			form := exchangeForm(subject)
			if tt.scope != "" {
				form.Set("scope", tt.scope)
			}
			if !tt.basic {
				form.Set("client_id", clientID)
				form.Set("client_secret", e.clientSecret)
			}
			resp := e.postToken(form, tt.basic)
			if resp.status != http.StatusOK {
				t.Fatalf("status %d: %s", resp.status, resp.body)
			}
			if cc := resp.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			var tr struct {
				AccessToken     string `json:"access_token"`
				IssuedTokenType string `json:"issued_token_type"`
				TokenType       string `json:"token_type"`
				ExpiresIn       int64  `json:"expires_in"`
			}
			resp.json(t, &tr)
			if tr.IssuedTokenType != fakebackend.TokenTypeAccessToken || tr.TokenType != "Bearer" {
				t.Errorf("answer %+v", tr)
			}
			if want := int64(tt.wantExp.Truncate(time.Second).Sub(now) / time.Second); tr.ExpiresIn != want {
				t.Errorf("expires_in %d, want %d", tr.ExpiresIn, want)
			}

			var got exchanged
			_, err := jwt.ParseWithClaims(tr.AccessToken, &got, func(*jwt.Token) (any, error) { return e.secret, nil },
				jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(e.clock.Now))
			if err != nil {
				t.Fatalf("issued token: %v", err)
			}
			if got.ExpiresAt.After(time.Unix(tt.subject["exp"].(int64), 0)) {
				t.Errorf("issued token outlives its subject")
			}
			want := exchanged{
				RegisteredClaims: jwt.RegisteredClaims{
					Issuer:    issuer,
					Subject:   "user-alice",
					Audience:  jwt.ClaimStrings{fakebackend.APIAudience},
					ExpiresAt: jwt.NewNumericDate(tt.wantExp),
					IssuedAt:  jwt.NewNumericDate(now),
				},
				OrgID: fakebackend.OrgAcme,
				Scope: tt.wantScope,
			}
			want.Act.Sub = clientID
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(jwt.RegisteredClaims{}, "ID")); diff != "" {
				t.Errorf("issued claims (-want +got):\n%s", diff)
			}
			if got.ID == "" {
				t.Error("no jti")
			}

			// The issued token is good at the API, with the granted scopes.
			me := e.call(http.MethodGet, "/api/users/me", tr.AccessToken, nil)
			if me.status != http.StatusOK {
				t.Errorf("issued token at the API: status %d", me.status)
			}
			wantList := http.StatusForbidden
			if strings.Contains(" "+tt.wantScope+" ", " read ") {
				wantList = http.StatusOK
			}
			if s := e.call(http.MethodGet, "/api/tickets", tr.AccessToken, nil).status; s != wantList {
				t.Errorf("GET /api/tickets with the issued token: %d, want %d", s, wantList)
			}
		})
	}
}

func TestExchangeErrors(t *testing.T) {
	e := newEnv(t)
	subject := e.token(fakebackend.OrgAcme, "read")
	now := e.clock.Now()
	expired := e.claims("read")
	expired["exp"] = now.Add(-time.Minute).Unix()
	coreAPI := e.claims("read")
	coreAPI["aud"] = fakebackend.APIAudience
	noOrg := e.claims("read")
	delete(noOrg, "org_id")

	type auth int
	const (
		basic auth = iota
		post
		both
		none
		wrongBasic
		wrongPost
		wrongID
		rawBasic // the secret not form-encoded first
	)
	tests := []struct {
		name   string
		form   func(url.Values)
		auth   auth
		ctype  string
		status int
		code   string
	}{
		{"wrong secret, basic", nil, wrongBasic, "", 401, "invalid_client"},
		{"wrong secret, post", nil, wrongPost, "", 401, "invalid_client"},
		{"wrong client id", nil, wrongID, "", 401, "invalid_client"},
		{"no client auth", nil, none, "", 401, "invalid_client"},
		{"secret not form-encoded", nil, rawBasic, "", 401, "invalid_client"},
		{"both auth methods", nil, both, "", 400, "invalid_request"},
		{"wrong grant type", func(f url.Values) { f.Set("grant_type", "client_credentials") }, basic, "", 400, "unsupported_grant_type"},
		{"no grant type", func(f url.Values) { f.Del("grant_type") }, basic, "", 400, "unsupported_grant_type"},
		{"wrong subject token type", func(f url.Values) { f.Set("subject_token_type", "urn:ietf:params:oauth:token-type:jwt") }, basic, "", 400, "invalid_request"},
		{"no subject token", func(f url.Values) { f.Del("subject_token") }, basic, "", 400, "invalid_request"},
		{"repeated parameter", func(f url.Values) { f.Add("scope", "read"); f.Add("scope", "read") }, basic, "", 400, "invalid_request"},
		{"wrong audience", func(f url.Values) { f.Set("audience", "billing-api") }, basic, "", 400, "invalid_target"},
		{"one wrong audience of two", func(f url.Values) { f.Add("audience", "billing-api") }, basic, "", 400, "invalid_target"},
		{"actor token", func(f url.Values) { f.Set("actor_token", subject) }, basic, "", 400, "invalid_request"},
		{"scope escalation", func(f url.Values) { f.Set("scope", "read admin") }, basic, "", 400, "invalid_scope"},
		{"scope case", func(f url.Values) { f.Set("scope", "READ") }, basic, "", 400, "invalid_scope"},
		{"expired subject", func(f url.Values) { f.Set("subject_token", e.sign(expired)) }, basic, "", 400, "invalid_grant"},
		{"core-api subject", func(f url.Values) { f.Set("subject_token", e.sign(coreAPI)) }, basic, "", 400, "invalid_grant"},
		{"subject without org", func(f url.Values) { f.Set("subject_token", e.sign(noOrg)) }, basic, "", 400, "invalid_grant"},
		{"tampered subject", func(f url.Values) { f.Set("subject_token", tamper(subject)) }, basic, "", 400, "invalid_grant"},
		{"garbage subject", func(f url.Values) { f.Set("subject_token", "garbage") }, basic, "", 400, "invalid_grant"},
		{"JSON body", nil, basic, "application/json", 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := exchangeForm(subject)
			if tt.form != nil {
				tt.form(form)
			}
			switch tt.auth {
			case post, both:
				form.Set("client_id", clientID)
				form.Set("client_secret", e.clientSecret)
			case wrongPost:
				form.Set("client_id", clientID)
				form.Set("client_secret", e.clientSecret+"x")
			}
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			switch tt.auth {
			case basic, both:
				req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(e.clientSecret))
			case wrongBasic:
				req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(e.clientSecret[1:]))
			case wrongID:
				req.SetBasicAuth("someone-else", url.QueryEscape(e.clientSecret))
			case rawBasic:
				req.SetBasicAuth(clientID, e.clientSecret)
			}
			resp := e.do(req)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.status, resp.body)
			}
			var body struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			resp.json(t, &body)
			if body.Error != tt.code || body.Description == "" {
				t.Errorf("body %s, want error %q with a description", resp.body, tt.code)
			}
			if tt.status == 401 && !strings.HasPrefix(resp.header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("WWW-Authenticate %q, want Basic", resp.header.Get("WWW-Authenticate"))
			}
			if resp.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", resp.header.Get("Cache-Control"))
			}
			for _, secret := range append([]string{subject, e.clientSecret}, form["subject_token"]...) {
				if strings.Contains(string(resp.body), secret) {
					t.Errorf("the error body contains a credential")
				}
			}
		})
	}
}

func TestExchangeOnlyByPost(t *testing.T) {
	e := newEnv(t)
	q := exchangeForm(e.token(fakebackend.OrgAcme, "read"))
	q.Set("client_id", clientID)
	q.Set("client_secret", e.clientSecret)
	// Parameters in the query string do not count.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/oauth/token?"+q.Encode(), strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp := e.do(req); resp.status != http.StatusUnauthorized {
		t.Errorf("form in the query: status %d, want 401", resp.status)
	}
	req, _ = http.NewRequest(http.MethodGet, e.srv.URL+"/oauth/token?"+q.Encode(), nil)
	if resp := e.do(req); resp.status != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", resp.status)
	}
}
