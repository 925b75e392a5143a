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
	description, ok := needsScope[scope]
	if !ok {
		description = "the tool needs scope " + scope
	}
	return refusal{
		status:      http.StatusForbidden,
		code:        "insufficient_scope",
		description: description,
		scope:       scope,
	}
}

// needsScope holds insufficientScope's descriptions of the contract's
// scopes, built once rather than on every refusal.
var needsScope = func() map[string]string {
	m := map[string]string{}
	for _, s := range supportedScopes {
		m[s] = "the tool needs scope " + s
	}
	return m
}()

// writeRefusal writes the challenge and a small JSON body. Parameter values
// are fixed strings or configuration, never request data, so quoting them
// needs no escaping beyond dropping quotes defensively.
//
// A refusal must cost no more than an acceptance (docs/performance.md "Performance"), or
// a flood of bad tokens would be cheaper to send than to answer: the
// challenge is built in one buffer and the body from a struct.
func writeRefusal(w http.ResponseWriter, metadataURL string, rf refusal) {
	writeChallenge(w, metadataURL, rf)
	code := rf.code
	if code == "" {
		code = "unauthorized"
	}
	w.WriteHeader(rf.status)
	_ = json.NewEncoder(w).Encode(&refusalBody{Error: code, Description: rf.description})
}

// writeChallenge sets the headers of a refusal: the challenge, the JSON
// content type and no-store.
func writeChallenge(w http.ResponseWriter, metadataURL string, rf refusal) {
	var b strings.Builder
	b.Grow(160 + len(metadataURL))
	b.WriteString("Bearer ")
	if rf.code != "" {
		param(&b, "error", rf.code)
		param(&b, "error_description", rf.description)
	}
	if rf.scope != "" {
		param(&b, "scope", rf.scope)
	}
	param(&b, "resource_metadata", metadataURL)
	// The headers of writeJSON plus the challenge, their values in one
	// allocation: each slice is capped at its own element, so that a later
	// Add appends to a copy rather than over its neighbour. The keys are in
	// canonical form, as Header.Set would make them.
	values := make([]string, 3)
	values[0], values[1], values[2] = b.String(), "application/json", "no-store"
	h := w.Header()
	h["Www-Authenticate"] = values[0:1:1]
	h["Content-Type"] = values[1:2:2]
	h["Cache-Control"] = values[2:3:3]
}

// refusalBody is the JSON body of a refusal (RFC 6749 §5.2 member names).
type refusalBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// unquote drops what could end a quoted-string early. Built once: building
// a Replacer allocates a 256-entry table, which made a refusal cost twice an
// acceptance (pprof, docs/performance.md "Performance").
var unquote = strings.NewReplacer(`"`, "", `\`, "")

// param appends name="value" to a challenge, after a comma unless it is the
// first parameter.
func param(b *strings.Builder, name, value string) {
	if !strings.HasSuffix(b.String(), " ") {
		b.WriteString(", ")
	}
	b.WriteString(name)
	b.WriteString(`="`)
	b.WriteString(unquote.Replace(value))
	b.WriteByte('"')
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
