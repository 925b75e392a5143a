package refserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// refusal is one way of saying no to a request: the HTTP status, the
// WWW-Authenticate parameters and the JSON body.
type refusal struct {
	status      int
	code        string // RFC 6750 §3.1 error code; "" when no credentials were sent
	description string // fixed text: never the token, never a claim value
	scope       string // scope="" parameter (RFC 6750 §3)
}

// challengeScope is the scope a client should ask for on a 401: the least
// that makes the server useful (MCP 2025-11-25 "Scope Selection Strategy";
// a client steps up on a 403 insufficient_scope).
const challengeScope = ScopeRead

// refusalFor maps an authentication error to its answer.
//
//	no credentials            401, no error code (RFC 6750 §3.1)
//	malformed request         400 invalid_request
//	any bad token             401 invalid_token
func refusalFor(err error) refusal {
	switch {
	case errors.Is(err, errNoCredentials):
		return refusal{status: http.StatusUnauthorized, description: "bearer token required", scope: challengeScope}
	case errors.Is(err, errMultipleCredentials):
		return refusal{status: http.StatusBadRequest, code: "invalid_request", description: "more than one credential in the request"}
	}
	return refusal{status: http.StatusUnauthorized, code: "invalid_token", description: describe(err), scope: challengeScope}
}

// describe returns the short error_description of a token error. It is
// chosen from a fixed list so that no part of the token can reach the
// client or the log.
func describe(err error) string {
	for _, d := range []struct {
		err  error
		text string
	}{
		{errEmptyToken, "empty bearer token"},
		{ErrExpired, "token expired"},
		{ErrNotYetValid, "token not yet valid"},
		{ErrSignature, "invalid signature"},
		{ErrAlgorithm, "algorithm not allowed"},
		{ErrIssuer, "wrong issuer"},
		{ErrAudience, "wrong audience"},
		{ErrMissingClaim, "missing required claim"},
		{ErrInvalidClaim, "invalid claim"},
		{ErrUnsupported, "unsupported token header"},
		{ErrMalformed, "malformed token"},
	} {
		if errors.Is(err, d.err) {
			return d.text
		}
	}
	return "invalid token"
}

// insufficientScope is the answer to a tools/call whose token lacks the tool's
// scope: MCP 2025-11-25 "Runtime Insufficient Scope Errors" and RFC 6750 §3.1.
func insufficientScope(scope string) refusal {
	return refusal{
		status:      http.StatusForbidden,
		code:        "insufficient_scope",
		description: "the tool needs scope " + scope,
		scope:       scope,
	}
}

// writeRefusal writes the challenge and a small JSON body. Parameter values
// are fixed strings or configuration, never request data, so quoting them
// needs no escaping beyond dropping quotes defensively.
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
