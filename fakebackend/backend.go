package fakebackend

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// APIAudience is the audience of the tokens that /oauth/token issues, and
// the one the API accepts as exchanged.
const APIAudience = "core-api"

// minSecretLen follows RFC 7518 §3.2: an HS256 key at least as long as the
// hash output.
const minSecretLen = 32

// Config configures a Backend. Every field but Logger and Now is required.
type Config struct {
	Secret       []byte // HS256 key, at least 32 bytes
	Issuer       string // the accepted iss, and the iss of issued tokens
	Audience     string // the MCP server's audience: accepted, recorded as pass-through
	ClientID     string // the MCP server's client id at /oauth/token
	ClientSecret string
	Logger       *slog.Logger     // nil: discard
	Now          func() time.Time // nil: time.Now
	// SubjectKeys, when set, also accepts subject tokens signed with the
	// issuer's asymmetric keys (the issuer in JWKS mode): it returns the
	// public key of the token's kid for the token's algorithm, or an error.
	// HS256 tokens are always checked with Secret.
	SubjectKeys jwt.Keyfunc
	// Users are the test users the authorization endpoint signs in, by
	// subject (optional: without them it signs no one in).
	Users map[string]User
}

// Backend is the fake core app. It is an http.Handler, safe for concurrent
// use.
type Backend struct {
	secret       []byte
	issuer       string
	audience     string
	clientID     string
	clientSecret string
	log          *slog.Logger
	now          func() time.Time
	subjectKeys  jwt.Keyfunc

	handler http.Handler
	store   store
	rec     recorder
	fault   faultState
	jwks    jwksURL
	users   map[string]User
	codes   codeStore
}

// New returns a Backend holding the seed data.
func New(cfg Config) (*Backend, error) {
	switch {
	case len(cfg.Secret) < minSecretLen:
		return nil, errors.New("fakebackend: Secret must be at least 32 bytes")
	case cfg.Issuer == "":
		return nil, errors.New("fakebackend: Issuer is required")
	case cfg.Audience == "":
		return nil, errors.New("fakebackend: Audience is required")
	case cfg.Audience == APIAudience:
		// Pass-through would then be indistinguishable from exchange.
		return nil, errors.New("fakebackend: Audience must differ from " + APIAudience)
	case cfg.ClientID == "" || cfg.ClientSecret == "":
		return nil, errors.New("fakebackend: ClientID and ClientSecret are required")
	}
	b := &Backend{
		secret:       append([]byte(nil), cfg.Secret...),
		issuer:       cfg.Issuer,
		audience:     cfg.Audience,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		log:          cfg.Logger,
		now:          cfg.Now,
		subjectKeys:  cfg.SubjectKeys,
		users:        cfg.Users,
	}
	if b.log == nil {
		b.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if b.now == nil {
		b.now = time.Now
	}
	b.store.reset()
	b.handler = b.routes()
	return b, nil
}

// ServeHTTP logs one line per request: method, path (never the query, which
// could carry a misplaced token), status and latency.
func (b *Backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		b.log.Info("request", "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "latency", time.Since(start))
	}()
	b.handler.ServeHTTP(sw, r)
}

// Reset restores the seed data and clears the recording and any fault.
func (b *Backend) Reset() {
	b.store.reset()
	b.ResetRecording()
	b.clearFaults()
}

func (b *Backend) routes() http.Handler {
	api := http.NewServeMux()
	api.Handle("GET /api/tickets", b.scoped(scopeRead, b.listTickets))
	api.Handle("POST /api/tickets", b.scoped(scopeWrite, b.createTicket))
	api.Handle("GET /api/tickets/{id}", b.scoped(scopeRead, b.getTicket))
	api.Handle("PATCH /api/tickets/{id}", b.scoped(scopeWrite, b.updateTicket))
	api.Handle("DELETE /api/tickets/{id}", b.scoped(scopeAdmin, b.deleteTicket))
	api.Handle("GET /api/integrations", b.scoped(scopeRead, b.listIntegrations))
	api.Handle("POST /api/integrations/{id}/sync", b.scoped(scopeWrite, b.syncIntegration))
	api.HandleFunc("GET /api/users/me", b.me)
	api.Handle("GET /api/system/status", b.scoped(scopeAdmin, systemStatus))
	api.HandleFunc("/api/", routeNotFound)

	mux := http.NewServeMux()
	mux.Handle("/api/", b.record(b.identify(b.inject(faultAPI, requireToken(api)))))
	mux.Handle("/oauth/token", b.record(b.inject(faultToken, http.HandlerFunc(b.exchange))))
	mux.HandleFunc("GET /_admin/requests", b.adminRequests)
	mux.HandleFunc("DELETE /_admin/requests", b.adminResetRecording)
	mux.HandleFunc("POST /_admin/reset", b.adminReset)
	mux.HandleFunc("PUT /_admin/fault", b.adminFault)
	mux.HandleFunc("GET "+WellKnownAS, b.asMetadata)
	mux.HandleFunc("GET /oauth/authorize", b.authorize)
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("/", routeNotFound)
	return mux
}

// statusWriter remembers the status of the answer. onHeader runs before the
// header goes out, so that whatever it does is visible to a client that has
// the answer.
type statusWriter struct {
	http.ResponseWriter
	status   int
	onHeader func(status int)
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
		if w.onHeader != nil {
			w.onHeader(code)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach Hijack and Flush.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
