package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/mcpauthspec/mcpauthspec/refserver"
)

// EmbeddedOptions adjust the in-process reference stack.
type EmbeddedOptions struct {
	// BackendAuth is refserver's BACKEND_AUTH; "" means exchange.
	BackendAuth string
	// ServerOptions are passed to refserver.New after the defaults: the
	// seams through which tests build variants of the reference server.
	ServerOptions []refserver.Option
}

// StartEmbedded runs the fake backend and the reference server in this
// process on free loopback ports: the suite's default target.
func StartEmbedded(ctx context.Context, opts EmbeddedOptions) (t *Target, err error) {
	is, err := NewIssuer(DefaultIssuer, DefaultAudience)
	if err != nil {
		return nil, err
	}
	t = &Target{Kind: "embedded", Issuer: is, Fixtures: SeedFixtures()}
	defer func() {
		if err != nil {
			_ = t.Close()
		}
	}()
	clientSecret := randomSecret()
	backend, backendURL, stopBackend, err := startBackend(is, clientSecret)
	if err != nil {
		return t, err
	}
	t.onClose(stopBackend)
	t.Backend = localBackend{backend}
	t.BackendURL = backendURL

	ln, err := listenLoopback()
	if err != nil {
		return t, fmt.Errorf("reference server: %w", err)
	}
	t.BaseURL = "http://" + ln.Addr().String()
	t.MCPURL = t.BaseURL + "/mcp"

	logs := &logBuffer{}
	t.Logs = logs.Bytes
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := refserver.Config{
		ListenAddr:   ln.Addr().String(),
		Secret:       is.Secret,
		Issuer:       is.Issuer,
		Audience:     is.Audience,
		BackendURL:   backendURL,
		ResourceURL:  t.MCPURL,
		TokenURL:     backendURL + "/oauth/token",
		ClientID:     DefaultClientID,
		ClientSecret: clientSecret,
		Leeway:       refserver.DefaultLeeway,
		BackendAuth:  opts.BackendAuth,
		// Short, so that the "slow" fault scenario (steps.Env.SlowFault)
		// finishes quickly.
		BackendTimeout: BackendTimeout,
	}
	srv, err := refserver.New(cfg, append([]refserver.Option{refserver.WithLogger(log)}, opts.ServerOptions...)...)
	if err != nil {
		ln.Close()
		return t, err
	}
	httpSrv := refserver.HTTPServer(cfg.ListenAddr, srv, log)
	go func() { _ = httpSrv.Serve(ln) }()
	t.onClose(httpSrv.Close)
	return t, WaitHealthy(ctx, t.BaseURL, nil)
}

// BackendTimeout is the backend timeout the harness gives the targets it
// starts (BACKEND_TIMEOUT); the "slow" fault delays answers for longer.
const BackendTimeout = time.Second

// randomSecret returns 32 random bytes, hex-encoded, for client secrets.
func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
