package fakebackend

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The core app as an authorization server for MCP clients: the
// authorization code grant with PKCE (OAuth 2.1 §4.1, RFC 7636 S256), so
// that a client's OAuth handler can sign a test user in and step up after a
// 403 insufficient_scope. There is no login page: the authorization request
// names the user in login_hint (one of Config.Users), and the user consents
// to every scope asked for that they hold. Redirects go to loopback only.

// User is a test user the authorization endpoint can sign in.
type User struct {
	OrgID  string
	Scopes []string // the scopes the user may be granted
}

// codeLifetime bounds an authorization code (OAuth 2.1 §4.1.2: short-lived).
const codeLifetime = time.Minute

// clientTokenLifetime is the lifetime of a token issued to an MCP client.
const clientTokenLifetime = 10 * time.Minute

type authCode struct {
	sub, org, clientID, redirectURI, challenge string
	scopes                                     []string
	expires                                    time.Time
}

type codeStore struct {
	mu    sync.Mutex
	codes map[string]authCode
}

func (s *codeStore) put(code string, c authCode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.codes == nil {
		s.codes = map[string]authCode{}
	}
	s.codes[code] = c
}

// take removes and returns code: a code is used once.
func (s *codeStore) take(code string) (authCode, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[code]
	delete(s.codes, code)
	return c, ok
}

// authorize serves GET /oauth/authorize. Errors that make the redirect URI
// untrustworthy are answered here; the others are redirected (OAuth 2.1
// §4.1.2.1).
func (b *Backend) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !loopbackRedirect(redirect) || q.Get("client_id") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "client_id and a loopback redirect_uri are required")
		return
	}
	fail := func(code, desc string) {
		v := redirect.Query()
		v.Set("error", code)
		v.Set("error_description", desc)
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		redirect.RawQuery = v.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only code")
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE with S256 is required")
		return
	}
	u, ok := b.users[q.Get("login_hint")]
	if !ok {
		fail("access_denied", "no such test user (login_hint)")
		return
	}
	granted := u.Scopes
	if asked := strings.Fields(q.Get("scope")); len(asked) > 0 {
		granted = slices.DeleteFunc(slices.Clone(asked), func(s string) bool { return !slices.Contains(u.Scopes, s) })
	}
	code := rand.Text()
	b.codes.put(code, authCode{
		sub: q.Get("login_hint"), org: u.OrgID, clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"),
		challenge: q.Get("code_challenge"), scopes: slices.Compact(slices.Sorted(slices.Values(granted))),
		expires: b.now().Add(codeLifetime),
	})
	v := redirect.Query()
	v.Set("code", code)
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	redirect.RawQuery = v.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func loopbackRedirect(u *url.URL) bool {
	if u.Scheme != "http" && u.Scheme != "https" || u.Fragment != "" {
		return false
	}
	h := u.Hostname()
	ip := net.ParseIP(h)
	return h == "localhost" || (ip != nil && ip.IsLoopback())
}

// codeGrant answers grant_type=authorization_code at the token endpoint for
// a public client: the code, its client, its redirect URI and the PKCE
// verifier (RFC 7636 §4.6) must all match.
func (b *Backend) codeGrant(w http.ResponseWriter, r *http.Request, form url.Values) {
	clientID := form.Get("client_id")
	if user, _, ok := r.BasicAuth(); ok {
		clientID, _ = url.QueryUnescape(user)
	}
	c, ok := b.codes.take(form.Get("code"))
	sum := sha256.Sum256([]byte(form.Get("code_verifier")))
	switch {
	case !ok || b.now().After(c.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown or expired code")
		return
	case c.clientID != clientID || c.redirectURI != form.Get("redirect_uri"):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the code was issued to another client or redirect URI")
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		return
	}
	now := b.now()
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    b.issuer,
			Subject:   c.sub,
			Audience:  jwt.ClaimStrings{b.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(clientTokenLifetime)),
			ID:        rand.Text(),
		},
		OrgID: c.org,
		Scope: strings.Join(c.scopes, " "),
	}).SignedString(b.secret)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "could not sign the token")
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: token,
		TokenType:   "Bearer",
		ExpiresIn:   int64(clientTokenLifetime / time.Second),
		Scope:       strings.Join(c.scopes, " "),
	})
}
