package refserver

import (
	"net/http"
	"net/url"
	"strings"
)

// Protected resource metadata, RFC 9728.
// https://www.rfc-editor.org/rfc/rfc9728
// MCP 2025-06-18 "Authorization Server Location": MCP servers MUST implement
// it and clients MUST use it to find the authorization server.

const wellKnownPRM = "/.well-known/oauth-protected-resource"

// ProtectedResourceMetadata is the RFC 9728 §2 document this server serves.
type ProtectedResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name,omitempty"`
}

// metadataURL returns where the metadata of resource lives: RFC 9728 §3.1
// inserts the well-known segment between host and path, so
// http://h/mcp → http://h/.well-known/oauth-protected-resource/mcp.
func metadataURL(resource string) string {
	u, err := url.Parse(resource)
	if err != nil {
		return resource
	}
	u.Path = wellKnownPRM + strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u.String()
}

// metadataHandler serves the document without authentication at both the
// bare and the path-suffixed well-known locations (target contract §2).
//
// authorization_servers lists JWT_ISSUER: the contract has no separate
// setting for the authorization server's URL, and the issuer identifier is
// what RFC 8414 clients match against.
func (s *Server) metadataHandler() http.Handler {
	doc := ProtectedResourceMetadata{
		Resource:               s.cfg.ResourceURL,
		AuthorizationServers:   []string{s.cfg.Issuer},
		ScopesSupported:        supportedScopes,
		BearerMethodsSupported: []string{"header"}, // RFC 6750 §2.1 only; never query or body
		ResourceName:           "mcpauthspec reference MCP server",
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method_not_allowed"})
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		writeJSON(w, http.StatusOK, doc)
	})
}
