package refserver

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/mcpauthspec/mcpauthspec/fakebackend"
)

// The performance benchmarks of the reference server (README
// "Performance"):
//
//	go test -run '^$' -bench . -benchmem ./refserver/
//
// and the tests that hold the goals that can be checked without a clock:
// the allocations of Verify, and a rejection costing no more than an
// acceptance.

const (
	benchIssuer   = "core-app"
	benchAudience = "mcp-server"
	benchClientID = "mcp-server"
)

// cpuTime is the CPU time this process has used, all threads.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op, the process's CPU time per iteration since
// start, beside ns/op. On a machine shared with other work, wall time per
// op grows with the machine's load; CPU time hardly does, so it is the
// figure to compare across runs (docs/performance.md).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// benchEnv is the reference server with a real fake backend on loopback,
// configured as the harness configures its targets.
type benchEnv struct {
	secret  []byte
	cfg     Config
	backend *fakebackend.Backend
}

func newBenchEnv(tb testing.TB) *benchEnv {
	tb.Helper()
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		tb.Fatal(err)
	}
	secret := []byte(hex.EncodeToString(raw))
	clientSecret := hex.EncodeToString(raw[:16])
	b, err := fakebackend.New(fakebackend.Config{
		Secret: secret, Issuer: benchIssuer, Audience: benchAudience,
		ClientID: benchClientID, ClientSecret: clientSecret,
	})
	if err != nil {
		tb.Fatal(err)
	}
	api := httptest.NewServer(b) // 127.0.0.1
	tb.Cleanup(api.Close)
	return &benchEnv{
		secret:  secret,
		backend: b,
		cfg: Config{
			ListenAddr:     "127.0.0.1:0",
			Secret:         secret,
			Issuer:         benchIssuer,
			Audience:       benchAudience,
			BackendURL:     api.URL,
			ResourceURL:    "http://127.0.0.1:1/mcp",
			TokenURL:       api.URL + "/oauth/token",
			ClientID:       benchClientID,
			ClientSecret:   clientSecret,
			Leeway:         DefaultLeeway,
			BackendTimeout: 5 * time.Second,
		},
	}
}

func (e *benchEnv) server(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := New(e.cfg, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// uncachedServer is the server without the verified-token cache: every
// request pays the full verification, as the first request with a token
// does. Comparisons of acceptance and refusal use it.
func (e *benchEnv) uncachedServer(tb testing.TB) *Server {
	return e.server(tb, WithVerifierFactory(func(cfg VerifierConfig) TokenVerifier {
		v, err := NewVerifier(cfg)
		if err != nil {
			tb.Fatal(err)
		}
		return v.verifyFull
	}))
}

// benchClaims are the claims of a valid token of a user of org-acme with
// every scope, issued now; edit changes them.
func benchClaims(edit func(map[string]any)) map[string]any {
	now := time.Now().Unix()
	c := map[string]any{
		"iss": benchIssuer, "aud": benchAudience, "sub": "user-alice", "org_id": "org-acme",
		"scope": "read write admin", "email": "alice@acme.example", "name": "Alice",
		"iat": now, "exp": now + 600, "jti": "0123456789abcdef",
	}
	if edit != nil {
		edit(c)
	}
	return c
}

// benchSign builds header.payload.HMAC-SHA-256 from header JSON and claims
// with key.
func benchSign(tb testing.TB, key []byte, header string, claims map[string]any) string {
	tb.Helper()
	p, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(p)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(input))
	return input + "." + enc.EncodeToString(m.Sum(nil))
}

const benchHS256 = `{"alg":"HS256","typ":"JWT"}`

// tokenKind is one kind of token, with the sentinel Verify must wrap for it
// (nil: accepted).
type tokenKind struct {
	name string
	want error
	make func(tb testing.TB, secret []byte) string
}

// benchTokens are a valid token and one of each kind of invalid token, each
// failing at another stage of Verify: size, shape, header, signature,
// then each claim check.
var benchTokens = []tokenKind{
	{"valid", nil, func(tb testing.TB, k []byte) string { return benchSign(tb, k, benchHS256, benchClaims(nil)) }},
	{"oversized", ErrMalformed, func(tb testing.TB, k []byte) string {
		return benchSign(tb, k, benchHS256, benchClaims(func(c map[string]any) { c["pad"] = strings.Repeat("x", MaxTokenBytes) }))
	}},
	{"malformed", ErrMalformed, func(testing.TB, []byte) string { return "not-a-jwt.at-all" }},
	{"alg_none", ErrAlgorithm, func(tb testing.TB, k []byte) string {
		t := benchSign(tb, k, `{"alg":"none","typ":"JWT"}`, benchClaims(nil))
		return t[:strings.LastIndexByte(t, '.')+1]
	}},
	{"bad_signature", ErrSignature, func(tb testing.TB, _ []byte) string {
		return benchSign(tb, []byte("another secret, at least 32 bytes long"), benchHS256, benchClaims(nil))
	}},
	{"expired", ErrExpired, func(tb testing.TB, k []byte) string {
		return benchSign(tb, k, benchHS256, benchClaims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }))
	}},
	{"not_yet_valid", ErrNotYetValid, func(tb testing.TB, k []byte) string {
		return benchSign(tb, k, benchHS256, benchClaims(func(c map[string]any) { c["nbf"] = time.Now().Add(time.Hour).Unix() }))
	}},
	{"wrong_issuer", ErrIssuer, func(tb testing.TB, k []byte) string {
		return benchSign(tb, k, benchHS256, benchClaims(func(c map[string]any) { c["iss"] = "someone-else" }))
	}},
	{"wrong_audience", ErrAudience, func(tb testing.TB, k []byte) string {
		return benchSign(tb, k, benchHS256, benchClaims(func(c map[string]any) { c["aud"] = "other-api" }))
	}},
	{"missing_sub", ErrMissingClaim, func(tb testing.TB, k []byte) string {
		return benchSign(tb, k, benchHS256, benchClaims(func(c map[string]any) { delete(c, "sub") }))
	}},
}

// BenchmarkTokenVerify is the full verification of a valid token and of
// each kind of invalid one (a rejection stops at the first failed check, so
// it never costs more than an acceptance), then valid_cached: a token
// accepted before, served by the verified-token cache.
func BenchmarkTokenVerify(b *testing.B) {
	e := newBenchEnv(b)
	s := e.uncachedServer(b)
	ctx := context.Background()
	cached := e.server(b)
	kinds := append(slices.Clone(benchTokens), tokenKind{"valid_cached", nil, benchTokens[0].make})
	for _, k := range kinds {
		s := s
		if k.name == "valid_cached" {
			s = cached
		}
		token := k.make(b, e.secret)
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				_, err := s.verify(ctx, token)
				if !errors.Is(err, k.want) || (k.want == nil) != (err == nil) {
					b.Fatalf("Verify: %v, want %v", err, k.want)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

// discardWriter is a ResponseWriter that keeps only the status, so that the
// middleware benchmarks measure the middleware, not a recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }

// middlewareCase is one request to the auth middleware and the status it
// must get.
type middlewareCase struct {
	name   string
	want   int
	header []string // Authorization values
	body   []byte
}

func toolsCallBody(tool string) []byte {
	return []byte(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`)
}

// middlewareCases: a valid tools/call, then every way the middleware says
// no: each kind of invalid token (401), no credentials (401), two
// credentials (400), and a token short of the tool's scope (403).
func middlewareCases(tb testing.TB, secret []byte) []middlewareCase {
	var cs []middlewareCase
	for _, k := range benchTokens {
		want := http.StatusUnauthorized
		if k.want == nil {
			want = http.StatusOK
		}
		cs = append(cs, middlewareCase{k.name, want, []string{"Bearer " + k.make(tb, secret)}, toolsCallBody("list_tickets")})
	}
	valid := "Bearer " + benchTokens[0].make(tb, secret)
	readOnly := "Bearer " + benchSign(tb, secret, benchHS256, benchClaims(func(c map[string]any) { c["scope"] = "read" }))
	return append(cs,
		middlewareCase{"no_credentials", http.StatusUnauthorized, nil, toolsCallBody("list_tickets")},
		middlewareCase{"two_credentials", http.StatusBadRequest, []string{valid, valid}, toolsCallBody("list_tickets")},
		middlewareCase{"insufficient_scope", http.StatusForbidden, []string{readOnly}, toolsCallBody("delete_ticket")},
	)
}

// middlewareRig runs requireAuth in front of a handler that answers 200, on
// a session alice owns, as a tools/call after initialize reaches it.
type middlewareRig struct {
	h       http.Handler
	req     *http.Request
	body    *bytes.Reader
	w       *discardWriter
	session string
}

func newMiddlewareRig(tb testing.TB, s *Server) *middlewareRig {
	tb.Helper()
	alice, err := s.verify(context.Background(), benchTokens[0].make(tb, s.cfg.Secret))
	if err != nil {
		tb.Fatal(err)
	}
	session := s.sessions.Generate()
	s.sessions.bind(session, alice)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ClaimsFromContext(r.Context()) == nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	rig := &middlewareRig{h: s.requireAuth(next), body: bytes.NewReader(nil), w: &discardWriter{h: http.Header{}}, session: session}
	rig.req = httptest.NewRequest(http.MethodPost, "/mcp", nil)
	rig.req = rig.req.WithContext(context.WithValue(rig.req.Context(), requestInfoKey{}, &requestInfo{}))
	rig.req.Header.Set("Content-Type", "application/json")
	rig.req.Header.Set(headerSessionID, session)
	return rig
}

// serve sends c once and returns the status.
func (r *middlewareRig) serve(c *middlewareCase) int {
	r.req.Header.Del("Authorization")
	for _, v := range c.header {
		r.req.Header.Add("Authorization", v)
	}
	r.body.Reset(c.body)
	r.req.Body = io.NopCloser(r.body)
	clear(r.w.h)
	r.w.status = http.StatusOK
	r.h.ServeHTTP(r.w, r.req)
	return r.w.status
}

// BenchmarkMiddleware is requireAuth alone on a tools/call: a valid one
// and each way of refusing one, all with full verification, then
// valid_cached: a valid one whose token was accepted before.
func BenchmarkMiddleware(b *testing.B) {
	e := newBenchEnv(b)
	rig := newMiddlewareRig(b, e.uncachedServer(b))
	cachedRig := newMiddlewareRig(b, e.server(b))
	cases := middlewareCases(b, e.secret)
	cases = append(cases, middlewareCase{"valid_cached", cases[0].want, cases[0].header, cases[0].body})
	for _, c := range cases {
		rig := rig
		if c.name == "valid_cached" {
			rig = cachedRig
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				if got := rig.serve(&c); got != c.want {
					b.Fatalf("status %d, want %d", got, c.want)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

// TestRejectionCostsNoMoreThanAcceptance: a refusal allocates no more than
// an acceptance in the middleware, whatever the reason, so that a flood of
// bad tokens costs the server no more than the same flood of good ones.
// The acceptance is a full verification, what a flood of fresh good tokens
// costs; a token accepted before costs less again (the cache).
// Allocations stand in for time here because they are deterministic; the
// times are in BenchmarkMiddleware. A refusal by golang-jwt's validator
// builds its error (a joined list, wrapped) where an acceptance builds the
// Claims: rejectionSlack allows for that difference, and no more.
func TestRejectionCostsNoMoreThanAcceptance(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	e := newBenchEnv(t)
	s := e.uncachedServer(t)
	rig := newMiddlewareRig(t, s)
	cases := middlewareCases(t, e.secret)
	allocs := func(c *middlewareCase) float64 {
		return testing.AllocsPerRun(50, func() {
			if got := rig.serve(c); got != c.want {
				t.Fatalf("%s: status %d, want %d", c.name, got, c.want)
			}
		})
	}
	valid := allocs(&cases[0])
	for _, c := range cases[1:] {
		if got := allocs(&c); got > valid*rejectionSlack {
			t.Errorf("middleware, %s: %.0f allocations, more than the %.0f of a valid request", c.name, got, valid)
		}
	}

	// The same of Verify alone.
	ctx := context.Background()
	verifyAllocs := func(k tokenKind) float64 {
		token := k.make(t, e.secret)
		return testing.AllocsPerRun(50, func() {
			if _, err := s.verify(ctx, token); !errors.Is(err, k.want) || (k.want == nil) != (err == nil) {
				t.Fatalf("%s: Verify: %v, want %v", k.name, err, k.want)
			}
		})
	}
	validVerify := verifyAllocs(benchTokens[0])
	for _, k := range benchTokens[1:] {
		if got := verifyAllocs(k); got > validVerify*rejectionSlack {
			t.Errorf("Verify, %s: %.0f allocations, more than the %.0f of a valid token", k.name, got, validVerify)
		}
	}
	s = e.server(t)
	if got := verifyAllocs(benchTokens[0]); got > validVerify {
		t.Errorf("Verify from the cache: %.0f allocations, more than the %.0f of a full verification", got, validVerify)
	}
}

// rejectionSlack is how many times the allocations of an acceptance a
// refusal may make.
const rejectionSlack = 1.15

// A token sent again is answered by the verified-token cache: the copy of
// its claims the caller gets (the Claims and its two slices), the key of
// the token and golang-jwt's validator's error list. verifyMaxAllocs holds
// it near that, so that a change that makes the steady state pay for a full
// verification shows here. (A full verification, golang-jwt's parser and
// the strict JSON decoder, allocates about 60 times: the first request with
// a token pays it once.)
const verifyMaxAllocs = 6

func TestVerifyAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	e := newBenchEnv(t)
	s := e.server(t)
	token := benchTokens[0].make(t, e.secret)
	ctx := context.Background()
	got := testing.AllocsPerRun(100, func() {
		if _, err := s.verify(ctx, token); err != nil {
			t.Fatal(err)
		}
	})
	if got > verifyMaxAllocs {
		t.Errorf("Verify allocates %.0f times per token seen before, goal %d", got, verifyMaxAllocs)
	}
}

// BenchmarkScopeCheck is the middleware's scope check: finding the tool of a
// tools/call body, and matching its scope against the claims.
func BenchmarkScopeCheck(b *testing.B) {
	e := newBenchEnv(b)
	s := e.server(b)
	claims, err := s.verify(context.Background(), benchTokens[0].make(b, e.secret))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("match", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			scope, known := RequiredScope("delete_ticket")
			if !known || !s.scopeOK(claims, scope) {
				b.Fatal("alice has admin")
			}
		}
		reportCPU(b, cpu)
	})
	body := toolsCallBody("delete_ticket")
	b.Run("tools_call_body", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			tools := calledTools(body)
			if len(tools) != 1 {
				b.Fatalf("tools %q", tools)
			}
			scope, known := RequiredScope(tools[0])
			if !known || !s.scopeOK(claims, scope) {
				b.Fatal("alice has admin")
			}
		}
		reportCPU(b, cpu)
	})
}

// BenchmarkExchangeCacheHit is the backend token of a token already
// exchanged. The cache is keyed by the whole token (SHA-256), so the loop
// is checked to have made one exchange, and another token of the same user
// to make its own.
func BenchmarkExchangeCacheHit(b *testing.B) {
	e := newBenchEnv(b)
	x := newTokenExchanger(e.cfg, newHTTPClient(e.cfg.BackendTimeout))
	token := benchTokens[0].make(b, e.secret)
	ctx := context.Background()
	first, err := x.Token(ctx, token)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		got, err := x.Token(ctx, token)
		if err != nil || got != first {
			b.Fatalf("cache hit: %v, same token %v", err, got == first)
		}
	}
	reportCPU(b, cpu)
	exchanges := func() (n int) {
		for _, r := range e.backend.Requests() {
			if r.Path == "/oauth/token" {
				n++
			}
		}
		return n
	}
	if n := exchanges(); n != 1 {
		b.Fatalf("%d exchanges for one token, want 1", n)
	}
	other := benchSign(b, e.secret, benchHS256, benchClaims(func(c map[string]any) { c["jti"] = "another" }))
	if _, err := x.Token(ctx, other); err != nil {
		b.Fatal(err)
	}
	if n := exchanges(); n != 2 {
		b.Fatalf("another token of the same user made %d exchanges in all, want 2: the cache must be keyed by the exact token", n)
	}
}

// noAuthHandler is the reference server with its auth layer removed, to
// measure what that layer costs: the MCP server, tools, session store,
// backend client and access log that New builds, with a stand-in where
// requireAuth stands that attaches claims as they are, checking nothing
// (the bearer token is passed on only for the token exchange). It lives in
// a test file so that no binary can ever serve MCP without authentication;
// TestNoAuthHandlerMirrorsServer keeps it in step with New.
func noAuthHandler(s *Server, claims *Claims) http.Handler {
	mcpServer := server.NewMCPServer("mcpauthspec-refserver", Version,
		server.WithToolCapabilities(true),
		server.WithRecovery(),
	)
	s.registerTools(mcpServer)
	streamable := server.NewStreamableHTTPServer(mcpServer,
		server.WithSessionIdManager(s.sessions),
		server.WithStreamableHTTPLogger(s.log),
	)
	mux := http.NewServeMux()
	mux.Handle("/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		// The access log names the caller, as it does behind requireAuth.
		info := requestInfoFrom(r.Context())
		info.user, info.org = claims.Subject, claims.OrgID
		streamable.ServeHTTP(w, r.WithContext(s.caller.Attach(r, claims, token)))
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return accessLog(s.log, mux)
}

// NoAuthHandler exports noAuthHandler to this package's external tests
// (compare_test.go), and to nothing else: it exists only in test binaries.
var NoAuthHandler = noAuthHandler

// mcpRig drives one handler through httptest: initialize, then tools/call.
type mcpRig struct {
	h       http.Handler
	token   string
	session string
	body    []byte
	init    string // the initialize answer's body
}

func newMCPRig(tb testing.TB, h http.Handler, token, tool string) *mcpRig {
	tb.Helper()
	r := &mcpRig{h: h, token: token}
	init := r.post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`)
	if init.Code != http.StatusOK {
		tb.Fatalf("initialize: HTTP %d %s", init.Code, init.Body)
	}
	r.session = init.Header().Get(headerSessionID)
	r.init = init.Body.String()
	if note := r.post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`); note.Code/100 != 2 {
		tb.Fatalf("notifications/initialized: HTTP %d %s", note.Code, note.Body)
	}
	r.body = toolsCallBody(tool)
	return r
}

func (r *mcpRig) post(body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
	r.prepare(req)
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	return w
}

func (r *mcpRig) prepare(req *http.Request) {
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+r.token)
	if r.session != "" {
		req.Header.Set(headerSessionID, r.session)
		req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	}
}

// call sends the tools/call and returns the tool's result text, or fails.
func (r *mcpRig) call(tb testing.TB) string {
	req := httptest.NewRequest(http.MethodPost, "/mcp", bytes.NewReader(r.body))
	r.prepare(req)
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		tb.Fatalf("tools/call: HTTP %d %s", w.Code, w.Body)
	}
	var msg struct {
		Result struct {
			IsError bool `json:"isError"`
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
		} `json:"result"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &msg); err != nil || msg.Result.IsError || len(msg.Result.Content) != 1 {
		tb.Fatalf("tools/call: %v, answer %s", err, w.Body)
	}
	return msg.Result.Content[0].Text
}

// toolsCallRigs are the shipped server and the same server without its auth
// layer, each with a session open, calling tool.
func toolsCallRigs(tb testing.TB, e *benchEnv, tool string) (auth, noauth *mcpRig) {
	token := benchTokens[0].make(tb, e.secret)
	withAuth := e.server(tb)
	without := e.server(tb)
	claims, err := without.verify(context.Background(), token)
	if err != nil {
		tb.Fatal(err)
	}
	return newMCPRig(tb, withAuth, token, tool), newMCPRig(tb, noAuthHandler(without, claims), token, tool)
}

// TestNoAuthHandlerMirrorsServer: the server without its auth layer
// initializes (server info, capabilities) and answers a tools/call exactly
// as the server does, so that BenchmarkToolsCall compares like with like.
func TestNoAuthHandlerMirrorsServer(t *testing.T) {
	e := newBenchEnv(t)
	for _, tool := range []string{"whoami", "list_tickets"} {
		auth, noauth := toolsCallRigs(t, e, tool)
		if auth.init != noauth.init {
			t.Errorf("initialize: the server answers %s, without auth %s", auth.init, noauth.init)
		}
		if a, n := auth.call(t), noauth.call(t); a != n {
			t.Errorf("%s: the server answers %s, without auth %s", tool, a, n)
		}
	}
}

// BenchmarkToolsCall is a whole tools/call through the server's handler
// (httptest, no network): auth is the shipped server, noauth the same
// server without its auth layer. Their difference is what authentication
// costs per call; whoami needs no backend, list_tickets calls the fake
// backend on loopback with a cached exchanged token.
func BenchmarkToolsCall(b *testing.B) {
	e := newBenchEnv(b)
	for _, tool := range []string{"whoami", "list_tickets"} {
		auth, noauth := toolsCallRigs(b, e, tool)
		for _, v := range []struct {
			name string
			rig  *mcpRig
		}{{"auth", auth}, {"noauth", noauth}} {
			b.Run(v.name+"/"+tool, func(b *testing.B) {
				// The same backend for every variant: an empty recording
				// (past 10 000 requests it costs more per request).
				e.backend.ResetRecording()
				b.ReportAllocs()
				cpu := cpuTime()
				for b.Loop() {
					v.rig.call(b)
				}
				reportCPU(b, cpu)
			})
		}
	}
}
