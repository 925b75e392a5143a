package selftest

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Flaws at the HTTP level, built with harness.EmbeddedOptions.Wrap: each is
// a middleware in front of the reference server that does what a careless
// auth layer would do instead.

type wrapper = func(next http.Handler, log *slog.Logger) http.Handler

// withAuthorization returns a shallow copy of r whose Authorization header
// lines are values (none when values is empty).
func withAuthorization(r *http.Request, values ...string) *http.Request {
	r2 := r.Clone(r.Context())
	r2.Header.Del("Authorization")
	for _, v := range values {
		r2.Header.Add("Authorization", v)
	}
	return r2
}

// headerRule rewrites a request's single Authorization header the way a
// flawed extraction reads it: ok false means "no credentials". Requests with
// two header lines are left to the reference server.
func headerRule(rule func(value string) (token string, ok bool)) wrapper {
	return func(next http.Handler, _ *slog.Logger) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if values := r.Header.Values("Authorization"); len(values) == 1 {
				if v, ok := rule(values[0]); ok {
					r = withAuthorization(r, v)
				} else {
					r = withAuthorization(r)
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// bearerCaseSensitive: strings.HasPrefix(h, "Bearer "), so "bearer" and
// "BEARER" carry no token.
var bearerCaseSensitive = headerRule(func(h string) (string, bool) {
	return h, strings.HasPrefix(h, "Bearer ")
})

// singleSpaceOnly: parts := strings.Split(h, " "); len(parts) must be 2.
var singleSpaceOnly = headerRule(func(h string) (string, bool) {
	return h, len(strings.Split(h, " ")) == 2
})

// schemeIgnored: the token is the last word of the header, whatever the
// scheme ("Basic <jwt>", "Token <jwt>" and a bare "<jwt>" all pass).
var schemeIgnored = headerRule(func(h string) (string, bool) {
	f := strings.Fields(h)
	if len(f) == 0 {
		return "", false
	}
	return "Bearer " + f[len(f)-1], true
})

// firstAuthorization: r.Header.Get("Authorization"), which is the first of
// two header lines.
func firstAuthorization(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if values := r.Header.Values("Authorization"); len(values) > 1 {
			r = withAuthorization(r, values[0])
		}
		next.ServeHTTP(w, r)
	})
}

// lastAuthorization: the last of two Authorization header lines is used,
// as values[len(values)-1] or a proxy that keeps the last does.
func lastAuthorization(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if values := r.Header.Values("Authorization"); len(values) > 1 {
			r = withAuthorization(r, values[len(values)-1])
		}
		next.ServeHTTP(w, r)
	})
}

// otherScheme400: an Authorization header of another scheme is answered as
// a malformed request, 400 invalid_request, instead of as no credentials
// (401 without an error code, RFC 6750 §3.1).
func otherScheme400(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values := r.Header.Values("Authorization")
		if r.URL.Path == "/mcp" && len(values) == 1 {
			scheme, _, _ := strings.Cut(values[0], " ")
			if !strings.EqualFold(scheme, "Bearer") {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_request", error_description="unsupported authorization scheme"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error":"invalid_request"}` + "\n"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// formValueToken: without an Authorization header the token is taken from
// r.FormValue("access_token"), the query string or a form body (RFC 6750
// §2.2-2.3, which the contract forbids); with one, the query is ignored.
func formValueToken(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := r.FormValue("access_token")
		if tok == "" {
			next.ServeHTTP(w, r)
			return
		}
		values := r.Header.Values("Authorization")
		if len(values) == 0 {
			values = []string{"Bearer " + tok}
		}
		r = withAuthorization(r, values...)
		q := r.URL.Query()
		q.Del("access_token")
		r.URL.RawQuery = q.Encode()
		next.ServeHTTP(w, r)
	})
}

// cookieToken: without an Authorization header the token is taken from an
// access_token cookie, as a web app's session middleware would.
func cookieToken(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("access_token"); err == nil && r.Header.Get("Authorization") == "" {
			r = withAuthorization(r, "Bearer "+c.Value)
		}
		next.ServeHTTP(w, r)
	})
}

// tokenLogged: the auth layer logs the Authorization header at debug level
// "to help with support tickets".
func tokenLogged(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/mcp" {
			log.Debug("authenticating request", "authorization", r.Header.Get("Authorization"))
		}
		next.ServeHTTP(w, r)
	})
}

// sessionTrusted authenticates only initialize: a later request that names
// a session rides on the credentials the session was opened with, whatever
// it carries itself.
func sessionTrusted(next http.Handler, _ *slog.Logger) http.Handler {
	var mu sync.Mutex
	opener := map[string][]string{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get("Mcp-Session-Id"); id != "" {
			mu.Lock()
			creds, ok := opener[id]
			mu.Unlock()
			if ok {
				r = withAuthorization(r, creds...)
			}
			next.ServeHTTP(w, r)
			return
		}
		creds := r.Header.Values("Authorization")
		next.ServeHTTP(&statusHook{ResponseWriter: w, hook: func(status int) int {
			if id := w.Header().Get("Mcp-Session-Id"); id != "" && status == http.StatusOK {
				mu.Lock()
				opener[id] = creds
				mu.Unlock()
			}
			return status
		}}, r)
	})
}

// noChallengeHeader: 401 answers without WWW-Authenticate.
func noChallengeHeader(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&statusHook{ResponseWriter: w, hook: func(status int) int {
			if status == http.StatusUnauthorized {
				w.Header().Del("WWW-Authenticate")
			}
			return status
		}}, r)
	})
}

// authInTools checks credentials in the tool handlers instead of at the
// HTTP layer: a request without any reaches an MCP server whose tools
// answer with a tool error, over HTTP 200.
func authInTools(next http.Handler, _ *slog.Logger) http.Handler {
	anonymous := server.NewMCPServer("mutant", "0", server.WithToolCapabilities(false))
	for _, name := range contractTools {
		anonymous.AddTool(mcp.NewTool(name), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultError("authentication required"), nil
		})
	}
	anon := server.NewStreamableHTTPServer(anonymous)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/mcp" && len(r.Header.Values("Authorization")) == 0 {
			anon.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// contractTools are the tools of the target contract, section 4.
var contractTools = []string{
	"whoami", "list_tickets", "get_ticket", "create_ticket", "update_ticket",
	"delete_ticket", "list_integrations", "sync_integration", "system_status",
}

// noMetadata: the protected resource metadata is not served (a proxy that
// routes only /mcp), though challenges still point at it.
func noMetadata(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/.well-known/oauth-protected-resource") {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// forbiddenAs401: every refusal is 401 invalid_token, a missing scope
// included.
func forbiddenAs401(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&statusHook{ResponseWriter: w, hook: func(status int) int {
			if status != http.StatusForbidden {
				return status
			}
			h := w.Header().Get("WWW-Authenticate")
			w.Header().Set("WWW-Authenticate", strings.Replace(h, `error="insufficient_scope"`, `error="invalid_token"`, 1))
			return http.StatusUnauthorized
		}}, r)
	})
}

// syntaxAs400 reads RFC 6750 §3.1 invalid_request ("missing a required
// parameter [...] or is otherwise malformed") as covering a malformed or
// empty token: those get 400 instead of 401 invalid_token.
func syntaxAs400(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&statusHook{ResponseWriter: w, hook: func(status int) int {
			h := w.Header().Get("WWW-Authenticate")
			if status != http.StatusUnauthorized ||
				!(strings.Contains(h, `error_description="malformed token"`) || strings.Contains(h, `error_description="empty bearer token"`)) {
				return status
			}
			w.Header().Set("WWW-Authenticate", strings.Replace(h, `error="invalid_token"`, `error="invalid_request"`, 1))
			return http.StatusBadRequest
		}}, r)
	})
}

// statusHook lets hook see (and change) the status, with the headers still
// writable, before anything reaches the client.
type statusHook struct {
	http.ResponseWriter
	hook  func(status int) int
	wrote bool
}

func (s *statusHook) WriteHeader(status int) {
	if !s.wrote {
		s.wrote = true
		status = s.hook(status)
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusHook) Write(p []byte) (int, error) {
	if !s.wrote {
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(p)
}

// Flush keeps the MCP server's event streams working through the hook.
func (s *statusHook) Flush() {
	if !s.wrote {
		s.WriteHeader(http.StatusOK)
	}
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusHook) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusHook) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(s.ResponseWriter).Hijack()
}
