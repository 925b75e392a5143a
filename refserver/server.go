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
	backend     *backendClient
	metadataURL string
	handler     http.Handler
}

// Option adjusts a Server. Options are the seams of the server: the
// defaults are the conformant behaviour.
type Option func(*Server)

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithTokenVerifier replaces the HS256 verifier built from Config.
func WithTokenVerifier(v TokenVerifier) Option { return func(s *Server) { s.verify = v } }

// WithScopeCheck replaces exact scope matching.
func WithScopeCheck(c ScopeCheck) Option { return func(s *Server) { s.scopeOK = c } }

// WithBackendTokenSource replaces how the backend token is obtained
// (default: per BACKEND_AUTH).
func WithBackendTokenSource(src BackendTokenSource) Option {
	return func(s *Server) { s.backend.tokens = src }
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
		backend:     &backendClient{base: cfg.BackendURL, http: httpClient, tokens: passthrough},
		metadataURL: metadataURL(cfg.ResourceURL),
	}
	if cfg.BackendAuth == BackendAuthExchange {
		s.backend.tokens = newTokenExchanger(cfg, httpClient).Token
	}
	verifier, err := NewVerifier(VerifierConfig{Secret: cfg.Secret, Issuer: cfg.Issuer, Audience: cfg.Audience, Leeway: cfg.Leeway})
	if err != nil {
		return nil, err
	}
	s.verify = verifier.Verify
	for _, o := range opts {
		o(s)
	}
	if cfg.BackendAuth == BackendAuthPassthrough {
		s.log.Warn("BACKEND_AUTH=passthrough forwards client tokens to the backend; MCP 2025-06-18 forbids token passthrough")
	}

	mcpServer := server.NewMCPServer("mcpauthspec-refserver", Version,
		server.WithToolCapabilities(false),
		server.WithRecovery(),
	)
	s.registerTools(mcpServer)
	streamable := server.NewStreamableHTTPServer(mcpServer,
		server.WithSessionIdManager(s.sessions),
		server.WithStreamableHTTPLogger(s.log),
	)

	mux := http.NewServeMux()
	mux.Handle("/mcp", s.requireAuth(streamable))
	mux.Handle(wellKnownPRM, s.metadataHandler())
	mux.Handle(wellKnownPRM+"/mcp", s.metadataHandler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.handler = accessLog(s.log, mux)
	return s, nil
}

// ServeHTTP serves the MCP endpoint, the metadata and the health check.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// HTTPServer returns an http.Server for h with every timeout set, so that a
// slow or stalled client cannot hold a connection or memory. WriteTimeout is
// left unset because the MCP GET stream is long-lived; ReadHeaderTimeout and
// MaxHeaderBytes bound what a client can make the server hold.
func HTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
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
