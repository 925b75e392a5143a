package refserver

import (
	"net"
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
// authorization_servers lists JWT_ISSUER, the core app's issuer identifier:
// RFC 9728 §2 makes each entry an RFC 8414 issuer identifier, a URL under
// which the authorization server's own metadata answers, and the MCP
// clients' discovery follows it from there (a bare name such as "core-app"
// makes them give up).
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

// issuerIsURL reports whether iss can be an RFC 8414 §2 issuer identifier a
// client will follow: an absolute URL without query or fragment, https, or
// http on a loopback host (MCP 2025-11-25 "Communication Security").
func issuerIsURL(iss string) bool {
	u, err := url.Parse(iss)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		if h == "localhost" {
			return true
		}
		ip := net.ParseIP(h)
		return ip != nil && ip.IsLoopback()
	}
	return false
}
