// Command gosdk-server is the target contract's MCP server written with the
// official Go SDK (github.com/modelcontextprotocol/go-sdk): a pure OAuth
// resource server that verifies the core app's HS256 tokens with
// golang-jwt inside auth.RequireBearerToken, serves the contract's tools
// through mcp.NewStreamableHTTPHandler, and calls the backend with tokens
// from oauthex.ExchangeToken (RFC 8693). It imports nothing from the
// conformance suite. See README.md beside this file.
//
// It is configured only through the contract's environment variables
// (BACKEND_TIMEOUT, MCP_READ_HEADER_TIMEOUT and MCP_ALLOWED_ORIGINS are
// optional):
//
//	MCP_LISTEN_ADDR=127.0.0.1:18080 JWT_SECRET_KEY=... JWT_ISSUER=http://127.0.0.1:18081 \
//	JWT_AUDIENCE=mcp-server BACKEND_API_URL=http://127.0.0.1:18081 \
//	BACKEND_TOKEN_URL=http://127.0.0.1:18081/oauth/token \
//	MCP_CLIENT_ID=mcp-server MCP_CLIENT_SECRET=... gosdk-server
//
// A configuration error exits with status 2 and one line naming the variable.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Getenv, os.Stderr))
}

// shutdownTimeout is how long in-flight requests get after SIGTERM.
const shutdownTimeout = 10 * time.Second

func run(ctx context.Context, getenv func(string) string, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg, err := configFromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "gosdk-server: configuration: %v\n", err)
		return 2
	}
	ln, err := net.Listen("tcp", cfg.listenAddr)
	if err != nil {
		fmt.Fprintf(stderr, "gosdk-server: MCP_LISTEN_ADDR: cannot listen on %s: %v\n", cfg.listenAddr, errors.Unwrap(err))
		return 2
	}
	if getenv("MCP_RESOURCE_URL") == "" {
		// The port may have been 0: name the one we got.
		cfg.resourceURL = "http://" + ln.Addr().String() + "/mcp"
	}
	srv := &http.Server{
		Handler: newHandler(cfg, log),
		// Bound what a slow or hostile client can hold. No WriteTimeout:
		// the MCP GET stream is long-lived.
		ReadHeaderTimeout: cfg.readHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("listening", "addr", ln.Addr().String(), "resource", cfg.resourceURL)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		err = srv.Shutdown(shutdownCtx)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("server stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
