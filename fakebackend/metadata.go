package fakebackend

import (
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
)

// WellKnownAS is the RFC 8414 §3 well-known path of the authorization
// server metadata. The core app's issuer has no path component, so the
// document lives at <issuer>/.well-known/oauth-authorization-server.
const WellKnownAS = "/.well-known/oauth-authorization-server"

// jwksURL is the JWKS the core app's keys are published at, when it signs
// with asymmetric keys (set by SetJWKSURL); empty in HS256 mode.
type jwksURL struct{ v atomic.Pointer[string] }

// SetJWKSURL names the JWKS URL listed as jwks_uri in the authorization
// server metadata ("" removes it): the suite serves the keys itself in
// JWKS mode.
func (b *Backend) SetJWKSURL(u string) { b.jwks.v.Store(&u) }

// issuerURL returns the issuer as an absolute http(s) URL without query or
// fragment (RFC 8414 §2), or "" when the configured issuer is not one.
func (b *Backend) issuerURL() string {
	u, err := url.Parse(b.issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return ""
	}
	return strings.TrimSuffix(b.issuer, "/")
}

// asMetadata serves the RFC 8414 §2 authorization server metadata of the
// core app: its issuer (RFC 8414 §3.3: identical to the issuer the
// document is fetched for), the token endpoint and what it grants: token
// exchange for MCP servers, the authorization code with PKCE for MCP
// clients (authorize.go). An
// issuer that is not a URL has no metadata (404).
func (b *Backend) asMetadata(w http.ResponseWriter, _ *http.Request) {
	base := b.issuerURL()
	if base == "" {
		routeNotFound(w, nil)
		return
	}
	doc := map[string]any{
		"issuer":                                b.issuer,
		"token_endpoint":                        base + "/oauth/token",
		"authorization_endpoint":                base + "/oauth/authorize",
		"grant_types_supported":                 []string{GrantTypeTokenExchange, "authorization_code"},
		"response_types_supported":              []string{"code"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{scopeRead, scopeWrite, scopeAdmin},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
	}
	if p := b.jwks.v.Load(); p != nil && *p != "" {
		doc["jwks_uri"] = *p
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, doc)
}
