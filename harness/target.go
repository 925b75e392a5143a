package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

// Target is a running MCP server under test, with what the suite knows and
// controls of its surroundings. Fields that are nil or empty mark a
// capability the target lacks; scenarios that need it are skipped with the
// reason.
type Target struct {
	Kind    string // embedded, command, container, external
	BaseURL string // http://127.0.0.1:port, no trailing slash
	MCPURL  string // the MCP endpoint
	Issuer  *Issuer
	// Keys is the issuer's JWKS in JWKS mode (the target was given
	// JWT_JWKS_URL and verifies RS256/ES256 tokens); nil in HS256 mode. Issuer
	// still holds the claims settings and the fake backend's secret.
	Keys *KeySet

	// BackendURL is the fake core app's base URL, when the harness knows it.
	BackendURL string
	// Backend controls the fake core app (recorder, faults); nil for an
	// external target without a backend admin URL.
	Backend BackendControl
	// Logs returns everything the target has logged so far; nil when the
	// suite cannot see the target's logs.
	Logs func() []byte
	// Fixtures names real resources of each organization.
	Fixtures Fixtures
	// Tools maps the contract's tool names to the target's; nil: identity.
	Tools map[string]string
	// InProcess is true when the target runs in this process, so that its
	// goroutines and heap are this process's (runtime.NumGoroutine,
	// runtime.ReadMemStats): the load and limit scenarios check them then.
	InProcess bool
	// BackendTimeout is the target's BACKEND_TIMEOUT when the harness set
	// it; 0 when unknown (an external target).
	BackendTimeout time.Duration
	// Protocol is the MCP revision to speak to the target (the profile's
	// protocol key): auto ("" too) or one of Revisions (protocol.go).
	Protocol string

	closers []func() error
}

// Tool returns the target's name for a contract tool, and whether it has one.
func (t *Target) Tool(name string) (string, bool) {
	if t.Tools == nil {
		return name, true
	}
	n, ok := t.Tools[name]
	return n, ok && n != ""
}

// Close stops what the harness started, in reverse order.
func (t *Target) Close() error {
	var errs []error
	for i := len(t.closers) - 1; i >= 0; i-- {
		errs = append(errs, t.closers[i]())
	}
	t.closers = nil
	return errors.Join(errs...)
}

func (t *Target) onClose(f func() error) { t.closers = append(t.closers, f) }

// Fixtures are resource ids the scenarios use as {acme_ticket} and friends.
type Fixtures struct {
	AcmeTicket         string `yaml:"acme_ticket"`
	GlobexTicket       string `yaml:"globex_ticket"`
	AcmeIntegration    string `yaml:"acme_integration"`
	GlobexIntegration  string `yaml:"globex_integration"`
	MissingTicket      string `yaml:"missing_ticket"`
	MissingIntegration string `yaml:"missing_integration"`
}

// SeedFixtures are the fake backend's seed ids.
func SeedFixtures() Fixtures {
	return Fixtures{
		AcmeTicket:         fakebackend.SeedTickets["org-acme"][0],
		GlobexTicket:       fakebackend.SeedTickets["org-globex"][0],
		AcmeIntegration:    fakebackend.SeedIntegrations["org-acme"][0],
		GlobexIntegration:  fakebackend.SeedIntegrations["org-globex"][0],
		MissingTicket:      "TKT-9999999",
		MissingIntegration: "INT-9999999",
	}
}

// BackendControl is the test-only administration of the fake backend.
type BackendControl interface {
	Requests(ctx context.Context) ([]fakebackend.Request, error)
	ResetRecording(ctx context.Context) error
	Reset(ctx context.Context) error
	SetFault(ctx context.Context, f fakebackend.Fault) error
}

// localBackend adapts an in-process fake backend to BackendControl.
type localBackend struct{ b *fakebackend.Backend }

func (l localBackend) Requests(context.Context) ([]fakebackend.Request, error) {
	return l.b.Requests(), nil
}
func (l localBackend) ResetRecording(context.Context) error { l.b.ResetRecording(); return nil }
func (l localBackend) Reset(context.Context) error          { l.b.Reset(); return nil }
func (l localBackend) SetFault(_ context.Context, f fakebackend.Fault) error {
	l.b.SetFault(f)
	return nil
}

// Contract defaults shared by every target the harness starts.
const (
	DefaultIssuer       = "core-app"
	DefaultAudience     = "mcp-server"
	DefaultClientID     = "mcp-server"
	healthPollInterval  = 20 * time.Millisecond
	DefaultStartTimeout = 30 * time.Second
)

// listenLoopback opens a listener on a free loopback port.
func listenLoopback() (net.Listener, error) {
	return net.Listen("tcp", "127.0.0.1:0")
}

// freeLoopbackPort returns a port that was free a moment ago, for a process
// that must bind it itself.
func freeLoopbackPort() (int, error) {
	ln, err := listenLoopback()
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// newLocalTarget is the start of every target the harness runs itself: a
// fresh issuer, the seed fixtures, and an in-process fake backend trusting
// that issuer. It returns the client secret the target must use at the
// backend's token endpoint. On error the target is already closed.
func newLocalTarget(kind string) (*Target, string, error) {
	is, err := NewIssuer(DefaultIssuer, DefaultAudience)
	if err != nil {
		return nil, "", err
	}
	t := &Target{Kind: kind, Issuer: is, Fixtures: SeedFixtures(), BackendTimeout: BackendTimeout}
	clientSecret, err := t.startFakeBackend()
	if err != nil {
		_ = t.Close()
		return nil, "", err
	}
	return t, clientSecret, nil
}

// startFakeBackend serves an in-process fake backend for t, trusting t's
// issuer, and returns the client secret the target must use at its token
// endpoint.
func (t *Target) startFakeBackend() (clientSecret string, err error) {
	clientSecret = randomSecret()
	backend, backendURL, stop, err := startBackend(t.Issuer, clientSecret)
	if err != nil {
		return "", err
	}
	t.onClose(stop)
	t.Backend = localBackend{backend}
	t.BackendURL = backendURL
	return clientSecret, nil
}

// startBackend serves a fake backend on a free loopback port.
func startBackend(is *Issuer, clientSecret string) (*fakebackend.Backend, string, func() error, error) {
	b, err := fakebackend.New(fakebackend.Config{
		Secret: is.Secret, Issuer: is.Issuer, Audience: is.Audience,
		ClientID: DefaultClientID, ClientSecret: clientSecret,
	})
	if err != nil {
		return nil, "", nil, err
	}
	ln, err := listenLoopback()
	if err != nil {
		return nil, "", nil, fmt.Errorf("fake backend: %w", err)
	}
	srv := &http.Server{
		Handler:           b,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	go func() { _ = srv.Serve(ln) }()
	return b, "http://" + ln.Addr().String(), func() error { return srv.Close() }, nil
}

// WaitHealthy polls baseURL/healthz until it answers 200, ctx ends, or
// exited reports that the target is gone.
func WaitHealthy(ctx context.Context, baseURL string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(healthPollInterval)
	defer tick.Stop()
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/healthz", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("status %d", resp.StatusCode)
		} else {
			last = "no answer"
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s/healthz never answered 200 (last: %s)", baseURL, last)
		case <-exited:
			return errors.New("the target exited before it became healthy")
		case <-tick.C:
		}
	}
}

// logBuffer collects a target's output for the hygiene scenarios.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.buf.Bytes())
}

// lastLines returns the last n lines of b with secret replaced, for error
// messages about a target that failed to start.
func lastLines(b []byte, n int, secret []byte) string {
	if len(secret) > 0 {
		b = bytes.ReplaceAll(b, secret, []byte("[secret]"))
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
