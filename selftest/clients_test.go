package selftest

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/refserver"
)

// Flaws around the token that real clients meet (features/16_clients.feature).
var clientMutants = []mutant{
	{
		name:    "authorization-server-not-url",
		flaw:    `authorization_servers lists the bare issuer name ("core-app"), as version 1 of the contract had it: no client can discover the authorization server`,
		killers: []string{"auth-16.1/1", "auth-16.1/2", "auth-16.2", "auth-16.3"},
		options: wrapped(bareAuthorizationServer),
	},
	{
		name:    "origin-ignored",
		flaw:    "the Origin header is never looked at: a page of any site can drive the server through the user's browser (DNS rebinding)",
		killers: []string{"auth-16.4/1", "auth-16.4/2", "auth-16.4/3", "auth-16.5"},
		options: wrapped(originIgnored),
	},
	{
		name:    "side-door-without-auth",
		flaw:    "the legacy HTTP+SSE endpoint POST /messages?sessionId= runs the message on the session with the credentials the session last used, without a token of its own",
		killers: []string{"auth-16.10/2"},
		options: wrapped(sideDoor),
	},
	{
		name:    "client-secret-logged",
		flaw:    "the token-exchange request is logged with its headers at debug level: the client secret inside the Basic credential",
		killers: []string{"auth-16.13"},
		options: clientSecretLogged,
	},
	{
		name:    "stream-outlives-token",
		flaw:    "a GET stream is served for as long as its connection lasts, past the expiry of the token that opened it",
		killers: []string{"auth-16.9"},
		options: withOptions(refserver.WithStreamEnd(func(*refserver.Claims) time.Time { return time.Time{} })),
	},
}

func init() { mutants = append(mutants, clientMutants...) }

// bareAuthorizationServer rewrites the metadata's authorization_servers to
// the bare name of version 1 of the contract.
func bareAuthorizationServer(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/.well-known/oauth-protected-resource") {
			next.ServeHTTP(w, r)
			return
		}
		rec := &bufferedResponse{header: http.Header{}}
		next.ServeHTTP(rec, r)
		var doc map[string]any
		body := rec.body.Bytes()
		if json.Unmarshal(body, &doc) == nil {
			doc["authorization_servers"] = []string{"core-app"}
			body, _ = json.Marshal(doc)
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
	})
}

type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) WriteHeader(s int) {
	if b.status == 0 {
		b.status = s
	}
}
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// originIgnored drops the Origin header before the server sees it.
func originIgnored(next http.Handler, _ *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		r.Header.Del("Origin")
		next.ServeHTTP(w, r)
	})
}

// sideDoor serves the legacy transport's POST /messages?sessionId=X the way
// an adapter that bridges it onto the session does: with the Authorization
// the session last used on /mcp.
func sideDoor(next http.Handler, _ *slog.Logger) http.Handler {
	var mu sync.Mutex
	lastAuth := map[string]string{} // session id → Authorization
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/mcp":
			if id := r.Header.Get("Mcp-Session-Id"); id != "" {
				if auth := r.Header.Get("Authorization"); auth != "" {
					mu.Lock()
					lastAuth[id] = auth
					mu.Unlock()
				}
			}
			next.ServeHTTP(w, r)
		case "/messages":
			id := r.URL.Query().Get("sessionId")
			mu.Lock()
			auth, ok := lastAuth[id]
			mu.Unlock()
			if r.Method != http.MethodPost || !ok {
				http.Error(w, "unknown session", http.StatusNotFound)
				return
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawQuery = "/mcp", ""
			r2.Header.Set("Authorization", auth)
			r2.Header.Set("Mcp-Session-Id", id)
			next.ServeHTTP(w, r2)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// clientSecretLogged logs every outbound request to the token endpoint with
// its Authorization header, through the server's own logger.
func clientSecretLogged() harness.EmbeddedOptions {
	var logger struct {
		sync.Mutex
		l *slog.Logger
	}
	return harness.EmbeddedOptions{
		Wrap: func(next http.Handler, log *slog.Logger) http.Handler {
			logger.Lock()
			logger.l = log
			logger.Unlock()
			return next
		},
		ServerOptions: []refserver.Option{refserver.WrapBackendTransport(func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if strings.HasSuffix(r.URL.Path, "/oauth/token") {
					logger.Lock()
					l := logger.l
					logger.Unlock()
					if l != nil {
						l.Debug("token request", "url", r.URL.String(), "authorization", r.Header.Get("Authorization"))
					}
				}
				return rt.RoundTrip(r)
			})
		})},
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
