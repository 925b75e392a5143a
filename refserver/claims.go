package refserver

import (
	"context"
	"net/http"
	"slices"
	"time"
)

// Scope values of the core app (contract §3): none implies another, so
// "admin" does not grant "read".
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
	ScopeAdmin = "admin"
)

// Claims is the verified identity of a caller, built only by a TokenVerifier
// after the signature and every registered claim were checked.
type Claims struct {
	Subject   string    // sub: the user id
	OrgID     string    // org_id: the only organization the caller may see
	Scopes    []string  // scope, split on spaces
	Email     string    // optional
	Name      string    // optional
	Issuer    string    // iss
	Audience  []string  // aud, always as a list
	ExpiresAt time.Time // exp
}

// HasScope reports whether the caller was granted scope exactly. Scopes are
// compared as whole, case-sensitive strings (RFC 6749 §3.3): "readonly",
// "read:all" and "READ" do not grant "read".
func (c *Claims) HasScope(scope string) bool {
	return c != nil && slices.Contains(c.Scopes, scope)
}

// TokenVerifier checks a bearer token and returns the caller's claims: the
// plug point of the middleware. Errors should wrap a sentinel of errors.go,
// from which the middleware chooses the answer.
type TokenVerifier func(ctx context.Context, token string) (*Claims, error)

type callerKey struct{}

// caller is what ContextWithClaims stores: one value, one context layer.
type caller struct {
	claims *Claims
	token  string
}

// ContextWithClaims returns a context carrying the verified claims and the raw
// token, kept apart from Claims so that printing the claims never leaks it.
func ContextWithClaims(ctx context.Context, c *Claims, token string) context.Context {
	return context.WithValue(ctx, callerKey{}, &caller{claims: c, token: token})
}

// ClaimsFromContext returns the caller's verified claims, or nil when the
// request was not authenticated (which, behind the middleware, never happens).
func ClaimsFromContext(ctx context.Context) *Claims {
	if c, ok := ctx.Value(callerKey{}).(*caller); ok {
		return c.claims
	}
	return nil
}

// CallerContext carries the verified caller from the auth middleware (Attach,
// once per request after every check passed) to the tools and the backend
// client (Caller, with the context the MCP server hands them). A seam of the
// server (WithCallerContext): the default, requestContext, keeps the caller in
// the request's own context, so that no request can ever see another's.
type CallerContext interface {
	Attach(r *http.Request, c *Claims, token string) context.Context
	Caller(ctx context.Context) (c *Claims, token string)
}

// DefaultCallerContext returns the default CallerContext, for a replacement to
// build on.
func DefaultCallerContext() CallerContext { return requestContext{} }

// requestContext is the default CallerContext.
type requestContext struct{}

func (requestContext) Attach(r *http.Request, c *Claims, token string) context.Context {
	return ContextWithClaims(r.Context(), c, token)
}

func (requestContext) Caller(ctx context.Context) (*Claims, string) {
	return ClaimsFromContext(ctx), tokenFromContext(ctx)
}

// tokenFromContext returns the caller's raw token: unexported, since only the
// backend client needs it, to exchange it.
func tokenFromContext(ctx context.Context) string {
	if c, ok := ctx.Value(callerKey{}).(*caller); ok {
		return c.token
	}
	return ""
}
