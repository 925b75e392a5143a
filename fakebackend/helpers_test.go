package fakebackend_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

const (
	issuer   = "core-app"
	audience = "mcp-server"
	clientID = "mcp-client"
)

// clock is the backend's clock; tests move it instead of sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t            *testing.T
	b            *fakebackend.Backend
	srv          *httptest.Server
	secret       []byte
	clientSecret string
	clock        *clock
}

// newEnv starts a backend with a key made for this run, and a client
// secret with characters that RFC 6749 §2.3.1 form-encodes.
func newEnv(t *testing.T, mods ...func(*fakebackend.Config)) *env {
	t.Helper()
	e := &env{
		t:            t,
		secret:       make([]byte, 32),
		clientSecret: rand.Text() + " +/&=%",
		clock:        &clock{t: time.Now()},
	}
	rand.Read(e.secret)
	cfg := fakebackend.Config{
		Secret:       e.secret,
		Issuer:       issuer,
		Audience:     audience,
		ClientID:     clientID,
		ClientSecret: e.clientSecret,
		Now:          e.clock.Now,
	}
	for _, mod := range mods {
		mod(&cfg)
	}
	b, err := fakebackend.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.b = b
	e.srv = httptest.NewServer(b)
	t.Cleanup(e.srv.Close)
	return e
}

// claims returns valid client-token claims for user-alice of org-acme.
func (e *env) claims(scope string) jwt.MapClaims {
	now := e.clock.Now()
	return jwt.MapClaims{
		"iss":    issuer,
		"aud":    []string{audience},
		"sub":    "user-alice",
		"org_id": fakebackend.OrgAcme,
		"scope":  scope,
		"iat":    now.Unix(),
		"exp":    now.Add(10 * time.Minute).Unix(),
	}
}

func (e *env) sign(c jwt.MapClaims) string {
	e.t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(e.secret)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// token is a client token (aud = the MCP server) of user-alice in org.
func (e *env) token(org, scope string) string {
	c := e.claims(scope)
	c["org_id"] = org
	return e.sign(c)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %q: %v", r.body, err)
	}
}

// call sends an API request; body, when not nil, is sent as JSON, or as is
// when it is a string.
func (e *env) call(method, path, token string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.do(req)
}

func (e *env) do(req *http.Request) response {
	e.t.Helper()
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// exchangeForm is a valid token-exchange form for subject.
func exchangeForm(subject string) url.Values {
	return url.Values{
		"grant_type":         {fakebackend.GrantTypeTokenExchange},
		"subject_token":      {subject},
		"subject_token_type": {fakebackend.TokenTypeAccessToken},
		"audience":           {fakebackend.APIAudience},
	}
}

// postToken posts form to /oauth/token, with client_secret_basic when basic
// is set.
func (e *env) postToken(form url.Values, basic bool) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(e.clientSecret))
	}
	return e.do(req)
}

// exchange returns a core-api token for subject.
func (e *env) exchange(subject string) string {
	e.t.Helper()
	resp := e.postToken(exchangeForm(subject), true)
	if resp.status != http.StatusOK {
		e.t.Fatalf("exchange: status %d: %s", resp.status, resp.body)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	resp.json(e.t, &tr)
	return tr.AccessToken
}

type apiErr struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func (r response) code(t *testing.T) string {
	t.Helper()
	var e apiErr
	r.json(t, &e)
	return e.Code
}
