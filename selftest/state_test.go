package selftest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mcpauthspec/mcpauthspec/refserver"
)

// Flaws in what the server keeps between and across requests: scopes, the
// caller's identity, sessions and the backend calls. Each is built from one
// of refserver's seams (Options).

// anyScope grants every tool: the scope check is missing.
func anyScope(*refserver.Claims, string) bool { return true }

// substringScope looks for the scope in the scope claim as a substring, so
// "readonly", "read:all" and "reads" grant "read".
func substringScope(c *refserver.Claims, scope string) bool {
	return scope == "" || strings.Contains(strings.Join(c.Scopes, " "), scope)
}

// current is the mutant global-caller's package-level "current user": the
// middleware writes it at the start of each request and the tools read it
// later, so concurrent requests see each other's caller. The mutex only
// keeps the race detector quiet; the cross-talk is in the design.
var current struct {
	sync.Mutex
	claims *refserver.Claims
	token  string
}

type globalCaller struct{}

func (globalCaller) Attach(r *http.Request, c *refserver.Claims, token string) context.Context {
	current.Lock()
	current.claims, current.token = c, token
	current.Unlock()
	return r.Context()
}

func (globalCaller) Caller(context.Context) (*refserver.Claims, string) {
	current.Lock()
	defer current.Unlock()
	return current.claims, current.token
}

// sessionCaller keeps the identity of a session's first request after
// initialize (the opener's notifications/initialized) and serves every later
// request of the session as that caller: the session is the identity.
type sessionCaller struct {
	mu    sync.Mutex
	first map[string]caller
}

type caller struct {
	claims *refserver.Claims
	token  string
}

func (s *sessionCaller) Attach(r *http.Request, c *refserver.Claims, token string) context.Context {
	if id := r.Header.Get("Mcp-Session-Id"); id != "" {
		s.mu.Lock()
		if f, ok := s.first[id]; ok {
			c, token = f.claims, f.token
		} else {
			s.first[id] = caller{c, token}
		}
		s.mu.Unlock()
	}
	return refserver.DefaultCallerContext().Attach(r, c, token)
}

func (s *sessionCaller) Caller(ctx context.Context) (*refserver.Claims, string) {
	return refserver.DefaultCallerContext().Caller(ctx)
}

// anyOwner lets anyone with a valid token use any session.
func anyOwner(_, _ *refserver.Claims) bool { return true }

// pathCache caches backend GET answers by request path and query, not by
// caller: the first user's answer is every user's answer.
type pathCache struct {
	next    http.RoundTripper
	mu      sync.Mutex
	answers map[string]cachedAnswer
}

type cachedAnswer struct {
	status int
	header http.Header
	body   []byte
}

func (c *pathCache) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		return c.next.RoundTrip(req)
	}
	key := req.URL.RequestURI()
	c.mu.Lock()
	a, ok := c.answers[key]
	c.mu.Unlock()
	if !ok {
		resp, err := c.next.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			return resp, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		a = cachedAnswer{resp.StatusCode, resp.Header.Clone(), body}
		c.mu.Lock()
		c.answers[key] = a
		c.mu.Unlock()
	}
	return &http.Response{
		Status: http.StatusText(a.status), StatusCode: a.status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: a.header.Clone(), Body: io.NopCloser(bytes.NewReader(a.body)), ContentLength: int64(len(a.body)), Request: req,
	}, nil
}

// clientTokenRetry retries a failed backend call once with the client's
// own token "in case the exchanged one was the problem".
type clientTokenRetry struct{ next http.RoundTripper }

func (c clientTokenRetry) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil || resp.StatusCode < 400 || !strings.HasPrefix(req.URL.Path, "/api/") {
		return resp, err
	}
	_, token := refserver.DefaultCallerContext().Caller(req.Context())
	if token == "" || (req.Body != nil && req.GetBody == nil) {
		return resp, err
	}
	retry := req.Clone(req.Context())
	if req.GetBody != nil {
		if retry.Body, err = req.GetBody(); err != nil {
			return resp, nil
		}
	}
	resp.Body.Close()
	retry.Header.Set("Authorization", "Bearer "+token)
	return c.next.RoundTrip(retry)
}

// passthrough forwards the client's token to the backend as it is.
func passthrough(_ context.Context, clientToken string) (string, error) { return clientToken, nil }

// fallBackToClientToken uses the client's token when the exchange fails.
func fallBackToClientToken(next refserver.BackendTokenSource) refserver.BackendTokenSource {
	return func(ctx context.Context, clientToken string) (string, error) {
		if t, err := next(ctx, clientToken); err == nil {
			return t, nil
		}
		return clientToken, nil
	}
}

// cacheByUser caches exchanged tokens by the caller's user id, so a second
// token of the same user (other scopes, other expiry) rides on the first
// one's backend token.
func cacheByUser(next refserver.BackendTokenSource) refserver.BackendTokenSource {
	var mu sync.Mutex
	bySub := map[string]string{}
	return func(ctx context.Context, clientToken string) (string, error) {
		c := refserver.ClaimsFromContext(ctx)
		if c == nil {
			return next(ctx, clientToken)
		}
		mu.Lock()
		t, ok := bySub[c.Subject]
		mu.Unlock()
		if ok {
			return t, nil
		}
		t, err := next(ctx, clientToken)
		if err == nil {
			mu.Lock()
			bySub[c.Subject] = t
			mu.Unlock()
		}
		return t, err
	}
}

// sharedBackendToken keeps one backend token for everybody, as if it were
// the server's own service token: the first caller's.
func sharedBackendToken(next refserver.BackendTokenSource) refserver.BackendTokenSource {
	var mu sync.Mutex
	var shared string
	return func(ctx context.Context, clientToken string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if shared != "" {
			return shared, nil
		}
		t, err := next(ctx, clientToken)
		if err == nil {
			shared = t
		}
		return t, err
	}
}

// minter signs backend tokens itself with the shared secret (which the
// server holds to verify client tokens) instead of exchanging them: the
// core app never sees the delegation. The verifier factory is only its way
// to read the configuration; the verifier stays refserver's.
type minter struct {
	mu  sync.Mutex
	cfg refserver.VerifierConfig
	// orgFromArgument: an org_id tool argument chooses the organization
	// ("so that support staff can look into a customer's tickets").
	orgFromArgument bool
}

func (m *minter) options() []refserver.Option {
	opts := []refserver.Option{
		refserver.WithVerifierFactory(func(cfg refserver.VerifierConfig) refserver.TokenVerifier {
			m.mu.Lock()
			m.cfg = cfg
			m.mu.Unlock()
			ref, err := refserver.NewVerifier(cfg)
			if err != nil {
				return refuseAll(err)
			}
			return ref.Verify
		}),
		refserver.WithBackendTokenSource(m.token),
	}
	if m.orgFromArgument {
		opts = append(opts, refserver.WithCallerContext(orgArgument{}))
	}
	return opts
}

func (m *minter) token(ctx context.Context, _ string) (string, error) {
	c := refserver.ClaimsFromContext(ctx)
	if c == nil {
		return "", refserver.ErrTokenExchange
	}
	org := c.OrgID
	if o, ok := ctx.Value(orgArgumentKey{}).(string); ok && m.orgFromArgument {
		org = o
	}
	m.mu.Lock()
	cfg := m.cfg
	m.mu.Unlock()
	now := time.Now()
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": cfg.Issuer, "aud": "core-api", "sub": c.Subject, "org_id": org,
		"scope": strings.Join(c.Scopes, " "), "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}).SignedString(cfg.Secret)
}

// orgArgument is the default caller context plus the organization a
// tools/call names in an org_id (or organization) argument, read from the
// request body.
type orgArgument struct{}

type orgArgumentKey struct{}

func (orgArgument) Attach(r *http.Request, c *refserver.Claims, token string) context.Context {
	ctx := refserver.DefaultCallerContext().Attach(r, c, token)
	if r.Body == nil {
		return ctx
	}
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return ctx
	}
	var msg struct {
		Params struct {
			Arguments struct {
				OrgID        string `json:"org_id"`
				Organization string `json:"organization"`
			} `json:"arguments"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil {
		return ctx
	}
	if org := cmp.Or(msg.Params.Arguments.OrgID, msg.Params.Arguments.Organization); org != "" {
		ctx = context.WithValue(ctx, orgArgumentKey{}, org)
	}
	return ctx
}

func (orgArgument) Caller(ctx context.Context) (*refserver.Claims, string) {
	return refserver.DefaultCallerContext().Caller(ctx)
}

// deleteIdempotent treats a 404 answer to DELETE as success ("the ticket is
// gone either way"), so deleting another organization's ticket, or one that
// never existed, reports a deletion.
type deleteIdempotent struct{ next http.RoundTripper }

func (d deleteIdempotent) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(req)
	if err != nil || req.Method != http.MethodDelete || resp.StatusCode != http.StatusNotFound {
		return resp, err
	}
	resp.Body.Close()
	return &http.Response{
		Status: http.StatusText(http.StatusNoContent), StatusCode: http.StatusNoContent, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: http.NoBody, Request: req,
	}, nil
}

// userScopes is a scope check that remembers, per user, every scope a
// token of the user was ever granted ("parse the scope claim once per
// user"): a narrower token of the same user, on alice's own session or
// anywhere, runs the tool with the wider scopes, and only the backend,
// which sees the exchanged narrower token, refuses it.
type userScopes struct {
	mu   sync.Mutex
	seen map[string][]string
}

func (u *userScopes) check(c *refserver.Claims, scope string) bool {
	if scope == "" || c.HasScope(scope) {
		u.remember(c)
		return true
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Contains(u.seen[c.Subject], scope)
}

func (u *userScopes) remember(c *refserver.Claims) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.seen == nil {
		u.seen = map[string][]string{}
	}
	for _, sc := range c.Scopes {
		if !slices.Contains(u.seen[c.Subject], sc) {
			u.seen[c.Subject] = append(u.seen[c.Subject], sc)
		}
	}
}
