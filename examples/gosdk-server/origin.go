package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MCP 2025-11-25 transports, "Security Warning": servers "MUST validate the
// Origin header on all incoming connections to prevent DNS rebinding
// attacks", and "If the Origin header is present and invalid, servers MUST
// respond with HTTP 403 Forbidden." The allowed origins are the origin of
// MCP_RESOURCE_URL and those listed in MCP_ALLOWED_ORIGINS; a request
// without Origin (not from a browser) is judged by its token alone.
//
// go-sdk's StreamableHTTPOptions.CrossOriginProtection (net/http's
// CrossOriginProtection) compares Origin with Host and skips GET, which is
// not this rule, and it would run after authentication; hence this
// middleware in front of everything else.

var errOrigin = errors.New("each entry must be an origin: http(s)://host[:port] without path, query or fragment")

// canonicalOrigin is raw's origin as RFC 6454 §6.1 serialises it: lower-case
// scheme and host, the port only when it is not the default. With anyPath,
// raw may carry a path (MCP_RESOURCE_URL).
func canonicalOrigin(raw string, anyPath bool) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Opaque != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || (!anyPath && u.Path != "") {
		return "", errOrigin
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
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

// parseOrigins reads MCP_ALLOWED_ORIGINS (comma-separated, blanks ignored)
// into a set, with the resource's own origin added.
func parseOrigins(list, resourceURL string) (map[string]bool, error) {
	set := map[string]bool{}
	if o, err := canonicalOrigin(resourceURL, true); err == nil {
		set[o] = true
	}
	for _, part := range strings.Split(list, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		o, err := canonicalOrigin(part, false)
		if err != nil {
			return nil, err
		}
		set[o] = true
	}
	return set, nil
}

// checkOrigin answers 403 to a request whose Origin is present and not
// allowed (one header, not "null", a listed origin), before authentication.
func checkOrigin(allowed map[string]bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if values := r.Header.Values("Origin"); len(values) > 0 {
			o, err := canonicalOrigin(values[0], false)
			if len(values) > 1 || err != nil || !allowed[o] {
				authStateFrom(r.Context()).reason = "origin not allowed"
				writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden", "error_description": "origin not allowed"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// streamUntilExpiry ends a GET stream when the token that opened it
// expires (at least a second after it opened); the client reopens it with a
// fresh token, checked like any request. No MCP revision requires it: it
// keeps a stream from delivering a user's events after their token is gone.
func streamUntilExpiry(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := authStateFrom(r.Context()).claims; r.Method == http.MethodGet && c != nil && !c.Expiry.IsZero() {
			deadline := c.Expiry
			if least := time.Now().Add(time.Second); deadline.Before(least) {
				deadline = least
			}
			ctx, cancel := context.WithDeadline(r.Context(), deadline)
			defer cancel()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}
