// Command fakebackend serves the fake core app of package fakebackend, for
// running a target under the conformance suite outside the Go test process.
//
// It is configured by environment variables: FAKEBACKEND_LISTEN_ADDR
// (default 127.0.0.1:18081), JWT_SECRET_KEY, JWT_ISSUER, JWT_AUDIENCE,
// MCP_CLIENT_ID and MCP_CLIENT_SECRET. Its /_admin/ endpoints are
// unauthenticated: keep it on a loopback address.
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
	"strings"
	"syscall"
	"time"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

const defaultAddr = "127.0.0.1:18081"

// exitConfig is the exit code of a configuration error.
const exitConfig = 2

const shutdownTimeout = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stderr))
}

// run serves until ctx ends and returns the exit code. Configuration errors
// print one line naming the variable, never its value.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "fakebackend: takes no arguments; configure it with environment variables")
		return exitConfig
	}
	cfg, addr, err := config(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "fakebackend: "+err.Error())
		return exitConfig
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg.Logger = log
	backend, err := fakebackend.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err.Error())
		return exitConfig
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(stderr, "fakebackend: FAKEBACKEND_LISTEN_ADDR: cannot listen: "+err.Error())
		return exitConfig
	}
	srv := &http.Server{
		Handler:           backend,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Longer than the longest "slow" fault, which must still answer.
		WriteTimeout:   90 * time.Second,
		IdleTimeout:    60 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-served:
		log.Error("server stopped", "err", err)
		return 1
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		log.Error("server stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// config reads the environment. Errors name variables only.
func config(getenv func(string) string) (fakebackend.Config, string, error) {
	required := []string{"JWT_SECRET_KEY", "JWT_ISSUER", "JWT_AUDIENCE", "MCP_CLIENT_ID", "MCP_CLIENT_SECRET"}
	var missing []string
	for _, name := range required {
		if getenv(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fakebackend.Config{}, "", fmt.Errorf("missing required environment variable(s): %s", strings.Join(missing, ", "))
	}
	cfg := fakebackend.Config{
		Secret:       []byte(getenv("JWT_SECRET_KEY")),
		Issuer:       getenv("JWT_ISSUER"),
		Audience:     getenv("JWT_AUDIENCE"),
		ClientID:     getenv("MCP_CLIENT_ID"),
		ClientSecret: getenv("MCP_CLIENT_SECRET"),
	}
	switch {
	case len(cfg.Secret) < 32:
		return fakebackend.Config{}, "", errors.New("JWT_SECRET_KEY must be at least 32 bytes")
	case cfg.Audience == fakebackend.APIAudience:
		return fakebackend.Config{}, "", errors.New("JWT_AUDIENCE must differ from " + fakebackend.APIAudience + ", the backend's own audience")
	}
	addr := getenv("FAKEBACKEND_LISTEN_ADDR")
	if addr == "" {
		addr = defaultAddr
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fakebackend.Config{}, "", errors.New("FAKEBACKEND_LISTEN_ADDR must be host:port")
	}
	return cfg, addr, nil
}
