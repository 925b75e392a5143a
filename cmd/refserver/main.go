// Command refserver runs the reference MCP server, configured only through
// the target contract's environment variables (see README.md).
//
//	MCP_LISTEN_ADDR=127.0.0.1:18080 JWT_SECRET_KEY=... JWT_ISSUER=http://127.0.0.1:18081 \
//	JWT_AUDIENCE=mcp-server BACKEND_API_URL=http://127.0.0.1:18081 \
//	BACKEND_TOKEN_URL=http://127.0.0.1:18081/oauth/token \
//	MCP_CLIENT_ID=mcp-server MCP_CLIENT_SECRET=... refserver
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

	"github.com/mcpauthspec/mcpauthspec/refserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Getenv, os.Stderr))
}

func run(ctx context.Context, getenv func(string) string, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg, err := refserver.ConfigFromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "refserver: configuration: %v\n", err)
		return 2
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		fmt.Fprintf(stderr, "refserver: MCP_LISTEN_ADDR: cannot listen on %s: %v\n", cfg.ListenAddr, errors.Unwrap(err))
		return 2
	}
	defer ln.Close()
	if getenv("MCP_RESOURCE_URL") == "" {
		// The port may have been 0: name the one we got.
		cfg.ResourceURL = "http://" + ln.Addr().String() + "/mcp"
	}
	srv, err := refserver.New(cfg, refserver.WithLogger(log))
	if err != nil {
		fmt.Fprintf(stderr, "refserver: configuration: %v\n", err)
		return 2
	}
	httpSrv := refserver.HTTPServer(cfg.ListenAddr, srv, log)
	httpSrv.ReadHeaderTimeout = cfg.ReadHeaderTimeout
	log.Info("listening", "addr", ln.Addr().String(), "resource", cfg.ResourceURL, "backend_auth", cfg.BackendAuth)
	err = refserver.Serve(ctx, httpSrv, func() error { return httpSrv.Serve(ln) })
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("server stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
