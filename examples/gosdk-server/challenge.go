package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/auth"
)

// requireBearer puts the SDK's auth.RequireBearerToken in front of next,
// with three additions it needs to follow RFC 6750 and the target contract:
//
//  1. checkCredentials, before the SDK: RequireBearerToken reads only the
//     first Authorization header (req.Header.Get) and never the query, and
//     splits the header with strings.Fields, so "Bearer<TAB>token" passes.
//  2. the verifier notes why it refused a token, in the request context.
//  3. refusalWriter, which replaces the SDK's answer to a refused request
//     (a text/plain body and a challenge with resource_metadata and scope
//     only) by a challenge with the RFC 6750 §3.1 error code and a small
//     JSON body.
//
// On success the SDK calls the handler below it, which serves next with the
// original ResponseWriter: streams never go through the rewriter.
func requireBearer(v *verifier, metadataURL string, next http.Handler) http.Handler {
	verify := func(_ context.Context, token string, r *http.Request) (*auth.TokenInfo, error) {
		st := authStateFrom(r.Context())
		c, err := v.verify(token)
		if err != nil {
			st.err = err
			return nil, err
		}
		st.claims = c
		return tokenInfo(c), nil
	}
	sdk := auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{
		ResourceMetadataURL: metadataURL,
		// The SDK checks TokenInfo.Expiration again after the verifier, with
		// no skew by default; without this a token the verifier accepted
		// within its leeway would be refused here (auth/auth.go, verify).
		ClockSkew: leeway,
		// Scopes is left empty: the SDK applies it to every request alike,
		// while the contract needs a scope per tool (see scopes.go).
	})
	authenticated := sdk(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		st := authStateFrom(r.Context())
		st.passed = true
		next.ServeHTTP(st.w, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := r.Context().Value(authStateKey{}).(*authState)
		if !ok { // not behind accessLog, as in tests
			st = &authState{}
			r = r.WithContext(withAuthState(r.Context(), st))
		}
		st.w = w
		if rf, refused := checkCredentials(r); refused {
			st.reason = rf.description
			writeRefusal(w, metadataURL, rf)
			return
		}
		authenticated.ServeHTTP(&refusalWriter{st: st, metadataURL: metadataURL, header: http.Header{}}, r)
	})
}

// authState follows one request through the SDK's middleware.
type authState struct {
	w      http.ResponseWriter // the real writer
	err    error               // why the verifier refused the token
	claims *Claims             // set when the verifier accepted it
	passed bool                // the SDK let the request through
	reason string              // for the access log
}

type authStateKey struct{}

func withAuthState(ctx context.Context, st *authState) context.Context {
	return context.WithValue(ctx, authStateKey{}, st)
}

func authStateFrom(ctx context.Context) *authState {
	if st, ok := ctx.Value(authStateKey{}).(*authState); ok {
		return st
	}
	return &authState{}
}

// refusal is one way of saying no: status, RFC 6750 §3.1 error code ("" when
// no credentials were sent), a fixed description and the scope to ask for.
type refusal struct {
	status      int
	code        string
	description string
	scope       string
}

// challengeScope is the scope a client should ask for after a 401: the least
// that makes this server useful (MCP 2025-11-25 "Scope Selection Strategy");
// a client steps up on a 403 insufficient_scope.
const challengeScope = "read"

var (
	noCredentials = refusal{status: http.StatusUnauthorized, description: "bearer token required", scope: challengeScope}
	// RFC 6750 §2: clients MUST NOT use more than one method to transmit the
	// token; §3.1: a malformed request is 400 invalid_request.
	twoCredentials = refusal{status: http.StatusBadRequest, code: "invalid_request", description: "more than one credential in the request"}
)

// checkCredentials refuses what RequireBearerToken would let through or
// misread: more than one Authorization header, a token in both the header
// and the query (RFC 6750 §2.3), and a Bearer header that is not
// "Bearer" 1*SP b64token (RFC 6750 §2.1). A request with no Authorization
// header, or with "Bearer" and nothing after it, is left to the SDK, which
// refuses it with 401.
func checkCredentials(r *http.Request) (refusal, bool) {
	values := r.Header.Values("Authorization")
	switch {
	case len(values) > 1:
		return twoCredentials, true
	case len(values) == 0:
		return refusal{}, false
	case r.URL.Query().Has("access_token"):
		return twoCredentials, true
	}
	scheme, rest, _ := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		// Another scheme (Basic, "Bearer-x", "Bearer<TAB>x"): no bearer
		// credentials at all, so no error code (RFC 6750 §3.1).
		return noCredentials, true
	}
	token := strings.TrimLeft(rest, " ")
	if token != "" && !isB64token(token) {
		return refusal{status: http.StatusUnauthorized, code: "invalid_token", description: "malformed token", scope: challengeScope}, true
	}
	return refusal{}, false
}

// isB64token reports whether s matches RFC 6750 §2.1:
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for _, c := range []byte(body) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}

// refusalWriter receives what RequireBearerToken writes when it refuses a
// request and writes the contract's answer instead. Its header map is a
// scratch copy: the SDK's own WWW-Authenticate never reaches the client.
type refusalWriter struct {
	st          *authState
	metadataURL string
	header      http.Header
	wrote       bool
}

func (rw *refusalWriter) Header() http.Header { return rw.header }

func (rw *refusalWriter) WriteHeader(status int) {
	if rw.wrote || rw.st.passed {
		return
	}
	rw.wrote = true
	rf := rw.refusalFor(status)
	rw.st.reason = rf.description
	writeRefusal(rw.st.w, rw.metadataURL, rf)
}

// Write drops the SDK's text body (err.Error() of the verifier).
func (rw *refusalWriter) Write(p []byte) (int, error) {
	if !rw.wrote {
		rw.WriteHeader(http.StatusOK)
	}
	return len(p), nil
}

// refusalFor maps the SDK's status to the answer (auth/auth.go, verify):
// 401 without a verifier error is "no bearer token" (or the SDK's own
// expiry re-check), 401 with one is a refused token, 400 is
// auth.ErrOAuth, anything else a server error.
func (rw *refusalWriter) refusalFor(status int) refusal {
	switch err := rw.st.err; {
	case status == http.StatusUnauthorized && err != nil:
		return refusal{status: status, code: "invalid_token", description: describe(err), scope: challengeScope}
	case status == http.StatusUnauthorized && rw.st.claims != nil:
		return refusal{status: status, code: "invalid_token", description: "token expired", scope: challengeScope}
	case status == http.StatusUnauthorized:
		return noCredentials
	case status == http.StatusBadRequest:
		return refusal{status: status, code: "invalid_request", description: "invalid request"}
	}
	return refusal{status: http.StatusInternalServerError, code: "server_error", description: "token verification failed"}
}

// describe is the error_description of a verifier error: the fixed text
// after "invalid token: ".
func describe(err error) string {
	if !errors.Is(err, auth.ErrInvalidToken) {
		return "invalid token"
	}
	return strings.TrimPrefix(err.Error(), auth.ErrInvalidToken.Error()+": ")
}

// writeRefusal writes the Bearer challenge (RFC 6750 §3) with the resource
// metadata URL (RFC 9728 §5.1) and a JSON body. Every value is a fixed
// string or configuration, never request data.
func writeRefusal(w http.ResponseWriter, metadataURL string, rf refusal) {
	var params []string
	if rf.code != "" {
		params = append(params, param("error", rf.code), param("error_description", rf.description))
	}
	if rf.scope != "" {
		params = append(params, param("scope", rf.scope))
	}
	params = append(params, param("resource_metadata", metadataURL))
	w.Header().Set("WWW-Authenticate", "Bearer "+strings.Join(params, ", "))
	code := rf.code
	if code == "" {
		code = "unauthorized"
	}
	writeJSON(w, rf.status, map[string]string{"error": code, "error_description": rf.description})
}

func param(name, value string) string {
	return name + `="` + strings.NewReplacer(`"`, "", `\`, "").Replace(value) + `"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
