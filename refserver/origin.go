package refserver

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// originPolicy is the set of origins whose browsers may call the MCP
// endpoint: the origin of MCP_RESOURCE_URL and those of MCP_ALLOWED_ORIGINS.
//
// MCP 2025-11-25 transports, "Security Warning": servers "MUST validate the
// Origin header on all incoming connections to prevent DNS rebinding
// attacks", and "If the Origin header is present and invalid, servers MUST
// respond with HTTP 403 Forbidden." A request without Origin comes from a
// non-browser client and is judged by its token alone.
type originPolicy map[string]struct{}

// newOriginPolicy builds the policy from the resource URL and the allowed
// list, both already validated.
func newOriginPolicy(resourceURL string, allowed []string) originPolicy {
	p := originPolicy{}
	if o, err := canonicalOrigin(resourceURL, true); err == nil {
		p[o] = struct{}{}
	}
	for _, a := range allowed {
		if o, err := canonicalOrigin(a, false); err == nil {
			p[o] = struct{}{}
		}
	}
	return p
}

var errOrigin = errors.New("must be an origin: http(s)://host[:port] without path, query or fragment")

// canonicalOrigin returns the RFC 6454 §6.1 serialisation of raw's origin:
// lower-case scheme and host, the port only when it is not the scheme's
// default. With anyPath, raw may be a URL with a path (MCP_RESOURCE_URL);
// otherwise it must be an origin and nothing more.
func canonicalOrigin(raw string, anyPath bool) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Opaque != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", errOrigin
	}
	if !anyPath && u.Path != "" {
		return "", errOrigin
	}
	scheme := strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// allows reports whether the request's Origin header, if any, is allowed.
// Several Origin headers, "null" (an opaque origin) and anything that is not
// a listed origin are refused.
func (p originPolicy) allows(r *http.Request) bool {
	values := r.Header.Values("Origin")
	switch len(values) {
	case 0:
		return true
	case 1:
	default:
		return false
	}
	o, err := canonicalOrigin(values[0], false)
	if err != nil {
		return false
	}
	_, ok := p[o]
	return ok
}

// checkOrigin refuses a request with a disallowed Origin with 403 before
// anything else happens: no token is read, no session touched, no tool run.
func (s *Server) checkOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.origins.allows(r) {
			requestInfoFrom(r.Context()).reason = "origin not allowed"
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden", "error_description": "origin not allowed"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// parseOrigins reads MCP_ALLOWED_ORIGINS: comma-separated origins, blanks
// ignored.
func parseOrigins(v string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if _, err := canonicalOrigin(part, false); err != nil {
			return nil, err
		}
		out = append(out, part)
	}
	return out, nil
}
