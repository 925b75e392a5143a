package refserver

import (
	"context"
	"net/http"
	"time"
)

// minStreamLife is the least a stream opened with a token accepted within
// the leeway is given, so that a client whose clock runs a little behind
// is not sent an empty stream at once; it reconnects with a fresh token.
const minStreamLife = time.Second

// streamUntilExpiry bounds a stream by its token: a GET stream (2025-06-18,
// 2025-11-25) or a subscriptions/listen stream (2026-07-28) ends when the
// token that opened it expires, and the client reopens it with a fresh
// one, which is checked like any request. Without the bound a stream opened
// with a five-minute token would go on delivering the user's events for as
// long as the connection lasts, after the token (or the user's access) is
// gone. No MCP revision requires it; it is the suite's hardening advice.
// The leeway admits a token despite clock skew; it does not extend what the
// token serves, so the deadline is exp itself.
func (s *Server) streamUntilExpiry(r *http.Request, claims *Claims) (*http.Request, context.CancelFunc) {
	if !isStream(r) || claims == nil || s.streamEnd == nil {
		return r, func() {}
	}
	deadline := s.streamEnd(claims)
	if deadline.IsZero() {
		return r, func() {}
	}
	if least := time.Now().Add(minStreamLife); deadline.Before(least) {
		deadline = least
	}
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	return r.WithContext(ctx), cancel
}

// StreamEnd says when a GET stream opened with claims ends; the zero time
// means never (while the connection lasts).
type StreamEnd func(claims *Claims) time.Time

// TokenExpiry ends a stream when its token expires: the default.
func TokenExpiry(claims *Claims) time.Time { return claims.ExpiresAt }

// WithStreamEnd replaces when GET streams end (default TokenExpiry).
func WithStreamEnd(end StreamEnd) Option { return func(s *Server) { s.streamEnd = end } }

// WithStreamsOutliveTokens leaves streams open past their token's exp (the
// self-test's flawed variant).
func WithStreamsOutliveTokens() Option { return WithStreamEnd(nil) }

// isStream tells a request that opens a stream: a GET on the legacy
// revisions, or subscriptions/listen on 2026-07-28. The method is read from
// Mcp-Method, which mcp-go checks against the body (-32020 when they
// differ), so a client that lies about it gets no stream at all.
func isStream(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Header.Get("Mcp-Method") == "subscriptions/listen"
}
