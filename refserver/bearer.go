package refserver

import (
	"errors"
	"net/http"
	"strings"
)

// Errors of credential extraction, before any token is looked at.
var (
	// errNoCredentials: no bearer credentials at all. RFC 6750 §3.1: the
	// challenge then carries no error code.
	errNoCredentials = errors.New("no bearer credentials")
	// errMultipleCredentials: more than one Authorization header, or a token
	// in the header and in the query. RFC 6750 §2: clients MUST NOT use more
	// than one method; the answer is 400 invalid_request.
	errMultipleCredentials = errors.New("more than one credential")
	// errEmptyToken: the Bearer scheme with nothing after it.
	errEmptyToken = errors.New("empty bearer token")
)

// bearerToken returns the token of the request's single
// "Authorization: Bearer" header (RFC 6750 §2.1).
//
// The scheme is matched case-insensitively (RFC 9110 §11.1) and separated
// from the token by one or more spaces (RFC 9110 §11.4: 1*SP); a tab, no
// separator, or "Bearer-" is another scheme, which this server does not
// support. A token in the query string (access_token, RFC 6750 §2.3), a form
// body (§2.2) or a cookie is never used: the contract accepts the header
// only, and a token in both the header and the query is a malformed request.
func bearerToken(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	// Parsed only when there is a query: most requests have none.
	inQuery := r.URL.RawQuery != "" && r.URL.Query().Has("access_token")
	switch {
	case len(values) > 1:
		return "", errMultipleCredentials
	case len(values) == 0:
		return "", errNoCredentials
	case inQuery:
		return "", errMultipleCredentials
	}
	scheme, rest, found := strings.Cut(values[0], " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", errNoCredentials
	}
	token := ""
	if found {
		token = strings.TrimLeft(rest, " ")
	}
	if token == "" {
		return "", errEmptyToken
	}
	return token, nil
}
