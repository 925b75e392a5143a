package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
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
	// Resource is the canonical resource URL the target publishes (profile
	// key resource) when it differs from MCPURL; "" means MCPURL.
	Resource string
	Issuer   *Issuer
	// Keys is the issuer's JWKS in JWKS mode (the target was given
	// JWT_JWKS_URL and verifies RS256/ES256 tokens); nil in HS256 mode. Issuer
	// still holds the claims settings and the fake backend's secret.
	Keys *KeySet
	// Supplied holds the tokens of a supplied-token run (supplied.go); then
	// Issuer is nil: the suite holds no key of the target's issuer.
	Supplied *Supplied

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
	// AllowedOrigin is an origin the harness listed in the target's
	// MCP_ALLOWED_ORIGINS; "" when the suite did not configure the target.
	AllowedOrigin string
	// ClientSecret is the target's MCP_CLIENT_SECRET when the harness set
	// it, for the log scan; "" when unknown.
	ClientSecret string

	// fake is the in-process fake backend, when the harness runs one.
	fake *fakebackend.Backend
	// Protocol is the MCP revision to speak to the target (the profile's
	// protocol key): auto ("" too) or one of Revisions (protocol.go).
	Protocol string

	closers []func() error
	// backendKeys are the issuer's keys the in-process fake backend trusts
	// beside the secret: set with Keys in JWKS mode (UseKeys, embedded).
	backendKeys *keyHolder
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
	// DefaultIssuer is the issuer of a profile that names none, and of
	// `mcpauthspec token`: the core app of docker-compose.test.yml. Targets
	// the harness starts get their fake backend's own URL instead.
	DefaultIssuer       = "http://127.0.0.1:18081"
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
// that issuer. The issuer is the fake backend's base URL (contract §0, §2:
// JWT_ISSUER is the core app's issuer identifier, an RFC 8414 URL, and its
// metadata answers under it). It returns the client secret the target must
// use at the backend's token endpoint. On error the target is already
// closed.
func newLocalTarget(kind string) (*Target, string, error) {
	ln, err := listenLoopback()
	if err != nil {
		return nil, "", fmt.Errorf("fake backend: %w", err)
	}
	is, err := NewIssuer("http://"+ln.Addr().String(), DefaultAudience)
	if err != nil {
		ln.Close()
		return nil, "", err
	}
	t := &Target{Kind: kind, Issuer: is, Fixtures: SeedFixtures(), BackendTimeout: BackendTimeout, backendKeys: &keyHolder{}}
	clientSecret := randomSecret()
	backend, stop, err := startBackend(ln, is, clientSecret, t.backendKeys)
	if err != nil {
		ln.Close()
		_ = t.Close()
		return nil, "", err
	}
	t.onClose(stop)
	t.Backend = localBackend{backend}
	t.BackendURL = is.Issuer
	t.fake = backend
	t.ClientSecret = clientSecret
	return t, clientSecret, nil
}

// startBackend serves a fake backend trusting is (and, in JWKS mode, the
// keys keys will hold) on ln.
func startBackend(ln net.Listener, is *Issuer, clientSecret string, keys *keyHolder) (*fakebackend.Backend, func() error, error) {
	b, err := fakebackend.New(fakebackend.Config{
		Secret: is.Secret, Issuer: is.Issuer, Audience: is.Audience,
		ClientID: DefaultClientID, ClientSecret: clientSecret,
		SubjectKeys: keys.keyfunc,
		Users:       backendUsers(),
	})
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{
		Handler:           b,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	go func() { _ = srv.Serve(ln) }()
	return b, func() error { return srv.Close() }, nil
}

// backendUsers is the cast as the fake core app's authorization endpoint
// knows it: an MCP client's OAuth handler signs one in by its sub
// (login_hint) and is granted the scopes the user holds.
func backendUsers() map[string]fakebackend.User {
	m := make(map[string]fakebackend.User, len(Users))
	for _, u := range Users {
		m[u.Subject] = fakebackend.User{OrgID: u.OrgID, Scopes: u.Scopes}
	}
	return m
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
			last = "no answer: " + dialProblem(err)
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

// CheckRunning checks that an already running target answers 200 at
// baseURL/healthz. Unlike WaitHealthy it does not wait for a target that
// cannot be reached or has no /healthz: a refused connection, an unknown
// host or a 404 fails at once, with the cause. Other answers (a 503 while
// the target warms up) are retried until ctx ends.
func CheckRunning(ctx context.Context, baseURL string) error {
	return checkRunning(ctx, ExternalOptions{}.healthClient(), baseURL)
}

func checkRunning(ctx context.Context, client *http.Client, baseURL string) error {
	tick := time.NewTicker(healthPollInterval)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/healthz", nil)
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("GET %s/healthz: no answer before the start timeout", baseURL)
			}
			return fmt.Errorf("GET %s/healthz: %s", baseURL, dialProblem(err))
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			return nil
		case http.StatusNotFound:
			return fmt.Errorf("GET %s/healthz answered 404 Not Found: the server is up, but a target of the contract answers 200 there (docs/target-contract.md §2); check --target-url's host and port", baseURL)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("GET %s/healthz answered %s until the start timeout, never 200", baseURL, resp.Status)
		case <-tick.C:
		}
	}
}

// dialProblem is the cause of a failed request, without the URL that
// net/http repeats.
func dialProblem(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
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

// ResourceURL is the target's canonical resource identifier (RFC 9728 §2):
// the profile's resource, or else the MCP URL the suite reaches it by.
func (t *Target) ResourceURL() string {
	if t.Resource != "" {
		return t.Resource
	}
	return t.MCPURL
}
