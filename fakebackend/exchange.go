package fakebackend

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// RFC 8693 identifiers.
const (
	GrantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeAccessToken   = "urn:ietf:params:oauth:token-type:access_token"
)

// maxExchangedLifetime caps an exchanged token; it never outlives its
// subject token either.
const maxExchangedLifetime = 5 * time.Minute

const maxTokenForm = 64 << 10

// singleParams may appear at most once (RFC 6749 §3.2). audience and
// resource may repeat (RFC 8693 §2.1).
var singleParams = []string{
	"grant_type", "subject_token", "subject_token_type", "actor_token",
	"actor_token_type", "requested_token_type", "scope", "client_id", "client_secret",
}

type tokenResponse struct {
	AccessToken     string `json:"access_token"`
	IssuedTokenType string `json:"issued_token_type"`
	TokenType       string `json:"token_type"`
	ExpiresIn       int64  `json:"expires_in"`
	Scope           string `json:"scope,omitempty"`
}

// oauthError writes an RFC 6749 §5.2 error. Descriptions are fixed strings:
// never a token or a secret.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// exchange serves POST /oauth/token: RFC 8693 token exchange of a client
// token (aud = the MCP server) for a core-api token of the same user and
// organization, acted by the authenticated client.
func (b *Backend) exchange(w http.ResponseWriter, r *http.Request) {
	e := entryFrom(r.Context())
	e.req.TokenKind = kindExchange
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	form, msg := tokenForm(w, r)
	if msg != "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", msg)
		return
	}
	if form.Get("grant_type") == "authorization_code" {
		b.codeGrant(w, r, form)
		return
	}
	subjectToken := form.Get("subject_token")
	if subjectToken != "" {
		e.req.TokenSHA256 = tokenHash(subjectToken)
	}

	client, err := b.authenticateClient(r, form)
	if errors.Is(err, errTwoClientMethods) {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+APIAudience+`"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	e.req.Actor = client

	switch {
	case form.Get("grant_type") != GrantTypeTokenExchange:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "only token exchange is supported")
		return
	case subjectToken == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "subject_token is required")
		return
	case form.Get("subject_token_type") != TokenTypeAccessToken:
		oauthError(w, http.StatusBadRequest, "invalid_request", "subject_token_type must be "+TokenTypeAccessToken)
		return
	case form.Has("requested_token_type") && form.Get("requested_token_type") != TokenTypeAccessToken:
		oauthError(w, http.StatusBadRequest, "invalid_request", "only access tokens can be issued")
		return
	case form.Has("actor_token"):
		oauthError(w, http.StatusBadRequest, "invalid_request", "actor_token is not supported")
		return
	case slices.ContainsFunc(form["audience"], func(a string) bool { return a != APIAudience }):
		oauthError(w, http.StatusBadRequest, "invalid_target", "the only audience is "+APIAudience)
		return
	}

	// Only client tokens are exchanged: a core-api token cannot be
	// exchanged again to refresh its lifetime or change its actor.
	subject, err := b.verify(subjectToken, b.audience)
	if err != nil {
		b.log.Info("subject token rejected", "reason", rejectReason(err))
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the subject token is invalid")
		return
	}
	e.setClaims(subject)
	e.req.Actor = client // an act claim in a client token names no one here

	granted := subject.scopes()
	if requested := strings.Fields(form.Get("scope")); len(requested) > 0 {
		for _, s := range requested {
			if !slices.Contains(granted, s) {
				e.req.Scopes = nil
				oauthError(w, http.StatusBadRequest, "invalid_scope", "the requested scope exceeds the subject token's")
				return
			}
		}
		granted = slices.Compact(slices.Sorted(slices.Values(requested)))
	}
	e.req.Scopes = granted

	token, expiresIn, err := b.issue(subject, client, granted)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "could not sign the token")
		return
	}
	b.rememberOrigin(tokenHash(token), e.req.TokenSHA256, b.now().Add(time.Duration(expiresIn+1)*time.Second))
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken:     token,
		IssuedTokenType: TokenTypeAccessToken,
		TokenType:       "Bearer",
		ExpiresIn:       expiresIn,
		Scope:           strings.Join(granted, " "),
	})
}

// tokenForm parses the form body; parameters in the URL query do not count
// (RFC 6749 §3.2 sends them in the body).
func tokenForm(w http.ResponseWriter, r *http.Request) (url.Values, string) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, "the body must be application/x-www-form-urlencoded"
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenForm)
	if err := r.ParseForm(); err != nil {
		return nil, "the form body is malformed or too large"
	}
	for _, p := range singleParams {
		if len(r.PostForm[p]) > 1 {
			return nil, p + " must not repeat"
		}
	}
	return r.PostForm, ""
}

var (
	errTwoClientMethods = errors.New("use one client authentication method")
	errBadClient        = errors.New("bad client credentials")
)

// authenticateClient accepts client_secret_basic, whose id and secret are
// form-urlencoded before Basic encoding (RFC 6749 §2.3.1), or
// client_secret_post, not both.
func (b *Backend) authenticateClient(r *http.Request, form url.Values) (string, error) {
	var id, secret string
	_, hasHeader := r.Header["Authorization"]
	switch {
	case hasHeader && form.Has("client_secret"):
		return "", errTwoClientMethods
	case hasHeader:
		user, pass, ok := r.BasicAuth()
		if !ok {
			return "", errBadClient
		}
		var err1, err2 error
		id, err1 = url.QueryUnescape(user)
		secret, err2 = url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return "", errBadClient
		}
		if form.Has("client_id") && form.Get("client_id") != id {
			return "", errBadClient
		}
	default:
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	// Hashing first makes the comparison independent of the lengths.
	idOK := equalHashed(id, b.clientID)
	secretOK := equalHashed(secret, b.clientSecret)
	if !idOK || !secretOK || id == "" {
		return "", errBadClient
	}
	return id, nil
}

func equalHashed(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// issue signs a core-api token for subject, acted by client.
func (b *Backend) issue(subject *claims, client string, scopes []string) (string, int64, error) {
	now := b.now()
	exp := now.Add(maxExchangedLifetime)
	if subject.ExpiresAt.Time.Before(exp) {
		exp = subject.ExpiresAt.Time
	}
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    b.issuer,
			Subject:   subject.Subject,
			Audience:  jwt.ClaimStrings{APIAudience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        rand.Text(),
		},
		OrgID: subject.OrgID,
		Scope: strings.Join(scopes, " "),
		Act:   &actor{Sub: client},
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(b.secret)
	if err != nil {
		return "", 0, err
	}
	// Whole seconds, rounded down, as exp itself is: the client must not
	// believe the token lives longer than it does.
	expiresIn := int64(c.ExpiresAt.Time.Sub(now) / time.Second)
	return token, max(expiresIn, 0), nil
}
