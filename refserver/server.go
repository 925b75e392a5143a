package refserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// Version is reported in the MCP server info.
const Version = "0.1.0"

// Server is the reference MCP server as an http.Handler. It serves /mcp
// (authenticated), /healthz and the RFC 9728 metadata (both public).
type Server struct {
	cfg         Config
	log         *slog.Logger
	verify      TokenVerifier
	scopeOK     ScopeCheck
	sessions    *sessionStore
	caller      CallerContext
	backend     *backendClient
	metadataURL string
	origins     originPolicy
	streamEnd   StreamEnd
	handler     http.Handler
	// closeVerifier stops the background work of the verifier New built
	// (the JWKS refresh); nil when there is none.
	closeVerifier func()
	// mcpOptions are added to the MCP server's (WithMCPServerOptions).
	mcpOptions []server.ServerOption
}

// Option adjusts a Server. Options are the seams of the server: the
// defaults are the conformant behaviour.
type Option func(*Server)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithTokenVerifier replaces the verifier built from Config (HS256, or JWKS
// when Config.JWKSURL is set).
func WithTokenVerifier(v TokenVerifier) Option { return func(s *Server) { s.verify = v } }

// WithScopeCheck replaces exact scope matching.
func WithScopeCheck(c ScopeCheck) Option { return func(s *Server) { s.scopeOK = c } }

// WithBackendTokenSource replaces how the backend token is obtained
// (default: per BACKEND_AUTH).
func WithBackendTokenSource(src BackendTokenSource) Option {
	return func(s *Server) { s.backend.tokens = src }
}

// WithVerifierFactory builds the token verifier from the server's verifier
// configuration (secret, issuer, audience, leeway) instead of NewVerifier:
// the seam for another JWT library or key type, which must enforce the same
// configuration. selftest builds its flawed verifiers through it.
func WithVerifierFactory(f func(VerifierConfig) TokenVerifier) Option {
	return func(s *Server) { s.verify = f(s.verifierConfig()) }
}

// WithJWKSVerifierFactory builds the token verifier from the server's JWKS
// configuration (URL, issuer, audience, leeway, logger) instead of
// NewJWKSVerifier, as WithVerifierFactory does for HS256: the seam through
// which flawed JWKS verifiers are built for the self-test. Pass WithLogger
// before it for the logger to reach the configuration.
func WithJWKSVerifierFactory(f func(JWKSConfig) TokenVerifier) Option {
	return func(s *Server) { s.verify = f(s.jwksConfig()) }
}

// WithCallerContext replaces how the verified caller travels from the auth
// middleware to the tools and the backend client (default: the request's
// own context, which no other request can see).
func WithCallerContext(cc CallerContext) Option { return func(s *Server) { s.caller = cc } }

// WithSessionOwnerMatch replaces the rule that decides whether a caller may
// use a session another token opened (default: SameUser).
func WithSessionOwnerMatch(m SessionOwnerMatch) Option {
	return func(s *Server) { s.sessions.match = m }
}

// WrapBackendTokenSource wraps the backend token source in place when the
// option is applied (the exchanger, or what WithBackendTokenSource set): the
// seam for instrumentation or an extra cache around the exchange.
func WrapBackendTokenSource(wrap func(BackendTokenSource) BackendTokenSource) Option {
	return func(s *Server) { s.backend.tokens = wrap(s.backend.tokens) }
}

// WrapBackendTransport wraps the HTTP transport of every outbound call, to
// the backend API and to the token endpoint alike: the seam for a proxy,
// instrumentation or a test double. The redirect policy and timeout of the
// client stay as they are.
func WrapBackendTransport(wrap func(http.RoundTripper) http.RoundTripper) Option {
	return func(s *Server) {
		rt := s.backend.http.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		s.backend.http.Transport = wrap(rt)
	}
}

// WithMCPServerOptions adds mcp-go server options after the reference
// server's own (tool filters, cache hints): the seam for variants of what
// the MCP layer answers.
func WithMCPServerOptions(opts ...server.ServerOption) Option {
	return func(s *Server) { s.mcpOptions = append(s.mcpOptions, opts...) }
}

// New validates cfg and builds the server.
func New(cfg Config, opts ...Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	httpClient := newHTTPClient(cfg.BackendTimeout)
	s := &Server{
		cfg:         cfg,
		log:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		scopeOK:     exactScope,
		sessions:    newSessionStore(),
		caller:      requestContext{},
		backend:     &backendClient{base: cfg.BackendURL, http: httpClient, tokens: passthrough},
		metadataURL: metadataURL(cfg.ResourceURL),
		origins:     newOriginPolicy(cfg.ResourceURL, cfg.AllowedOrigins),
		streamEnd:   TokenExpiry,
	}
	if cfg.BackendAuth == BackendAuthExchange {
		s.backend.tokens = newTokenExchanger(cfg, httpClient).Token
	}
	for _, o := range opts {
		o(s)
	}
	// The default verifier, unless an option chose one: built after the
	// options so that the JWKS verifier logs through WithLogger's logger and
	// no refresh runs for a verifier that would be replaced.
	switch {
	case s.verify != nil:
	case cfg.JWKSURL != "":
		jv, err := NewJWKSVerifier(s.jwksConfig())
		if err != nil {
			return nil, err
		}
		s.verify, s.closeVerifier = jv.Verify, jv.Close
	default:
		verifier, err := NewVerifier(s.verifierConfig())
		if err != nil {
			return nil, err
		}
		s.verify = verifier.Verify
	}
	s.backend.caller = s.caller
	if !issuerIsURL(cfg.Issuer) {
		s.log.Warn("JWT_ISSUER is not an absolute https URL (or http on a loopback host): clients cannot discover the authorization server from the metadata (RFC 9728 §2, RFC 8414 §2)")
	}
	if cfg.BackendAuth == BackendAuthPassthrough {
		s.log.Warn("BACKEND_AUTH=passthrough forwards client tokens to the backend; MCP 2025-06-18 forbids token passthrough")
	}

	// listChanged is advertised so that a 2026-07-28 client may hold a
	// subscriptions/listen stream (the tool set never changes, so none
	// arrives); the stream ends when its token expires (streamsEndAtExpiry).
	mcpServer := server.NewMCPServer("mcpauthspec-refserver", Version,
		append([]server.ServerOption{
			server.WithToolCapabilities(true),
			server.WithRecovery(),
		}, s.mcpOptions...)...,
	)
	s.registerTools(mcpServer)
	streamable := server.NewStreamableHTTPServer(mcpServer,
		server.WithSessionIdManager(s.sessions),
		server.WithStreamableHTTPLogger(s.log),
	)

	mux := http.NewServeMux()
	// The Origin check comes first (MCP transports: a present, invalid
	// Origin gets 403), then authentication of every request.
	mux.Handle("/mcp", s.checkOrigin(s.requireAuth(streamable)))
	mux.Handle(wellKnownPRM, s.metadataHandler())
	mux.Handle(wellKnownPRM+"/mcp", s.metadataHandler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.handler = accessLog(s.log, mux)
	return s, nil
}

// verifierConfig is the HS256 verifier's share of the configuration.
func (s *Server) verifierConfig() VerifierConfig {
	return VerifierConfig{Secret: s.cfg.Secret, Issuer: s.cfg.Issuer, Audience: s.cfg.Audience, Leeway: s.cfg.Leeway}
}

// jwksConfig is the JWKS verifier's share of the configuration.
func (s *Server) jwksConfig() JWKSConfig {
	return JWKSConfig{URL: s.cfg.JWKSURL, Issuer: s.cfg.Issuer, Audience: s.cfg.Audience, Leeway: s.cfg.Leeway, Logger: s.log}
}

// Close stops the server's background work (the JWKS refresh). It does not
// stop an http.Server serving s.
func (s *Server) Close() error {
	if s.closeVerifier != nil {
		s.closeVerifier()
	}
	return nil
}

// ServeHTTP serves the MCP endpoint, the metadata and the health check.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Limits of the HTTP server (docs/performance.md "Reliability"). Each bounds what one
// client can make the server hold: time for a slow client, memory for a
// large request.
const (
	// DefaultReadHeaderTimeout closes a connection whose request headers
	// have not all arrived in time (slowloris); MCP_READ_HEADER_TIMEOUT
	// changes it.
	DefaultReadHeaderTimeout = 5 * time.Second
	// MaxReadHeaderTimeout is the longest MCP_READ_HEADER_TIMEOUT accepted.
	MaxReadHeaderTimeout = time.Minute
	// MaxHeaderBytes bounds the request line and headers, the Authorization
	// header included; net/http answers 431 (RFC 6585 §5) beyond it (plus
	// the 4 KiB of slack it always allows).
	MaxHeaderBytes = 64 << 10
)

// HTTPServer returns an http.Server for h with every timeout set, so that a
// slow or stalled client cannot hold a connection or memory. WriteTimeout is
// left unset because the MCP GET stream is long-lived; ReadHeaderTimeout and
// MaxHeaderBytes bound what a client can make the server hold. Callers with
// a Config set ReadHeaderTimeout from it.
func HTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// Shutdown is how long in-flight requests get to finish after SIGTERM.
const ShutdownTimeout = 10 * time.Second

// Serve runs srv on its listener until ctx ends, then shuts it down
// gracefully.
func Serve(ctx context.Context, srv *http.Server, serve func() error) error {
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
