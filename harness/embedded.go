package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
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
	// Wrap, if set, puts an HTTP middleware in front of the whole reference
	// server (MCP endpoint, metadata and health check alike); log is the
	// server's logger, whose output Target.Logs returns. It is the seam for
	// variants whose difference lives at the HTTP level.
	Wrap func(next http.Handler, log *slog.Logger) http.Handler
	// JWKS starts the suite's JWKS endpoint (Target.Keys) and configures
	// the reference server with its URL (JWT_JWKS_URL) instead of the
	// shared secret.
	JWKS bool
	// LogFile, if set, receives a copy of the server's log as it is
	// written: a deployment's log file, as a profile names it (log_file).
	LogFile string
}

// StartEmbedded runs the fake backend and the reference server in this
// process on free loopback ports: the suite's default target.
func StartEmbedded(ctx context.Context, opts EmbeddedOptions) (t *Target, err error) {
	t, clientSecret, err := newLocalTarget("embedded")
	if err != nil {
		return t, err
	}
	defer func() {
		if err != nil {
			_ = t.Close()
		}
	}()
	t.InProcess = true
	is, backendURL := t.Issuer, t.BackendURL

	ln, err := listenLoopback()
	if err != nil {
		return t, fmt.Errorf("reference server: %w", err)
	}
	t.BaseURL = "http://" + ln.Addr().String()
	t.MCPURL = t.BaseURL + "/mcp"

	logs := &logBuffer{}
	t.Logs = logs.Bytes
	var logOut io.Writer = logs
	if opts.LogFile != "" {
		f, err := os.OpenFile(opts.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			ln.Close()
			return t, fmt.Errorf("reference server log file: %w", err)
		}
		t.onClose(f.Close)
		logOut = io.MultiWriter(logs, f)
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
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
		// Short, so that the slow-client scenario finishes quickly.
		ReadHeaderTimeout: ReadHeaderTimeout,
		AllowedOrigins:    []string{TestOrigin},
	}
	t.AllowedOrigin = TestOrigin
	if opts.JWKS {
		if t.Keys, err = StartKeySet(); err != nil {
			ln.Close()
			return t, err
		}
		t.backendKeys.ks.Store(t.Keys)
		t.onClose(t.Keys.Close)
		cfg.JWKSURL = t.Keys.URL()
		t.fake.SetJWKSURL(t.Keys.URL())
	}
	srv, err := refserver.New(cfg, append([]refserver.Option{refserver.WithLogger(log)}, opts.ServerOptions...)...)
	if err != nil {
		ln.Close()
		return t, err
	}
	t.onClose(srv.Close) // the JWKS refresh
	var handler http.Handler = srv
	if opts.Wrap != nil {
		handler = opts.Wrap(srv, log)
	}
	httpSrv := refserver.HTTPServer(cfg.ListenAddr, handler, log)
	httpSrv.ReadHeaderTimeout = cfg.ReadHeaderTimeout
	go func() { _ = httpSrv.Serve(ln) }()
	t.onClose(httpSrv.Close)
	return t, WaitHealthy(ctx, t.BaseURL, nil)
}

// BackendTimeout is the backend timeout the harness gives the targets it
// starts (BACKEND_TIMEOUT); the "slow" fault delays answers for longer.
const BackendTimeout = time.Second

// ReadHeaderTimeout is the header timeout the harness gives the targets it
// starts (MCP_READ_HEADER_TIMEOUT, optional: a target may ignore it), so that
// a trickling client is cut off in about a second rather than the
// reference server's default five.
const ReadHeaderTimeout = time.Second

// TestOrigin is the origin the harness lists in MCP_ALLOWED_ORIGINS of the
// targets it starts (contract §0): a browser-based client's origin, such as
// a local MCP inspector's. No traffic goes to it; it is only a header value.
const TestOrigin = "http://localhost:6274"

// randomSecret returns 32 random bytes, hex-encoded, for client secrets.
func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
