package fakebackend

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

const (
	scopeRead  = "read"
	scopeWrite = "write"
	scopeAdmin = "admin"
)

// claims are the claims of target contract §3, plus act (RFC 8693 §4.1) on
// exchanged tokens.
type claims struct {
	jwt.RegisteredClaims
	OrgID string `json:"org_id"`
	Scope string `json:"scope,omitempty"`
	Act   *actor `json:"act,omitempty"`
}

type actor struct {
	Sub string `json:"sub"`
}

// scopes splits the space-delimited scope claim. Scopes are compared
// exactly: "READ" and "readonly" are not "read".
func (c *claims) scopes() []string { return strings.Fields(c.Scope) }

func (c *claims) hasScope(s string) bool { return slices.Contains(c.scopes(), s) }

var (
	errNoSubject = errors.New("token has no sub")
	errNoOrg     = errors.New("token has no org_id")
	errAudience  = errors.New("token has no accepted aud")
)

// verify checks raw as a token of this core app whose aud contains one of
// audiences. The key is fixed and the method must be HS256, so a token
// cannot choose how it is checked (alg none, or an RSA public key used as an
// HMAC secret).
func (b *Backend) verify(raw string, audiences ...string) (*claims, error) {
	methods := []string{jwt.SigningMethodHS256.Alg()}
	if b.subjectKeys != nil {
		methods = append(methods, jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg())
	}
	p := jwt.NewParser(
		jwt.WithValidMethods(methods),
		jwt.WithIssuer(b.issuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(b.now),
	)
	var c claims
	keyfunc := func(t *jwt.Token) (any, error) {
		// The secret only ever checks HS256, the issuer's public keys only
		// their own algorithms (RFC 8725 §3.1): no key confusion.
		if t.Method == jwt.SigningMethodHS256 {
			return b.secret, nil
		}
		return b.subjectKeys(t)
	}
	if _, err := p.ParseWithClaims(raw, &c, keyfunc); err != nil {
		return nil, err
	}
	switch {
	case c.Subject == "":
		return nil, errNoSubject
	case c.OrgID == "":
		return nil, errNoOrg
	case !slices.ContainsFunc(audiences, func(a string) bool { return slices.Contains(c.Audience, a) }):
		return nil, errAudience
	}
	return &c, nil
}

// rejectReason names why a token failed, for logs: a fixed word, never
// anything taken from the token.
func rejectReason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "signature"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "missing_exp"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "issuer"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "not_yet_valid"
	case errors.Is(err, errAudience):
		return "audience"
	case errors.Is(err, errNoSubject), errors.Is(err, errNoOrg):
		return "missing_claim"
	default:
		return "invalid"
	}
}

// bearerToken returns the token of an "Authorization: Bearer" header. Only
// that header counts (RFC 6750 §2.1): never a query parameter, form field
// or cookie. present reports whether any Authorization header was sent.
func bearerToken(r *http.Request) (token string, present, ok bool) {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return "", false, false
	}
	if len(values) > 1 {
		return "", true, false
	}
	scheme, token, found := strings.Cut(values[0], " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", true, false
	}
	token = strings.TrimLeft(token, " ")
	return token, true, token != "" && !strings.ContainsAny(token, " \t")
}

type claimsKey struct{}

func claimsFrom(ctx context.Context) *claims {
	c, _ := ctx.Value(claimsKey{}).(*claims)
	return c
}

// identify verifies the bearer token, if any, and records what kind it is.
// It refuses nothing itself, so that a fault can still answer in place of
// the API and the recording still says which token came.
func (b *Backend) identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := entryFrom(r.Context())
		raw, present, ok := bearerToken(r)
		switch {
		case !present:
			e.req.TokenKind = kindNone
		case !ok:
			e.req.TokenKind = kindInvalid
		default:
			e.req.TokenSHA256 = tokenHash(raw)
			c, err := b.verify(raw, b.audience, APIAudience)
			if err != nil {
				e.req.TokenKind = kindInvalid
				b.log.Info("token rejected", "path", r.URL.Path, "reason", rejectReason(err))
				break
			}
			e.req.TokenKind = kindExchanged
			if slices.Contains(c.Audience, b.audience) {
				e.req.TokenKind = kindPassthrough
			}
			e.setClaims(c)
			r = r.WithContext(context.WithValue(r.Context(), claimsKey{}, c))
		}
		next.ServeHTTP(w, r)
	})
}

// requireToken answers 401 unless identify accepted the token.
func requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if claimsFrom(r.Context()) != nil {
			next.ServeHTTP(w, r)
			return
		}
		challenge := `Bearer realm="` + APIAudience + `"`
		if _, present, _ := bearerToken(r); present {
			// RFC 6750 §3.1: no error code when no credentials came.
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
		apiError(w, http.StatusUnauthorized, "invalid_token", "missing or invalid bearer token")
	})
}

// scoped answers 403 unless the token carries scope. It runs before the
// handler looks anything up, so a 403 says nothing about which ids exist.
func (b *Backend) scoped(scope string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !claimsFrom(r.Context()).hasScope(scope) {
			w.Header().Set("WWW-Authenticate",
				`Bearer realm="`+APIAudience+`", error="insufficient_scope", scope="`+scope+`"`)
			apiError(w, http.StatusForbidden, "insufficient_scope", "the token lacks the "+scope+" scope")
			return
		}
		h(w, r)
	})
}
