package steps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// Env is what all scenarios of one run share: the target and the means to
// reach it.
type Env struct {
	Target *harness.Target
	Client *harness.Client
	// SlowFault is how long the "slow" backend fault delays each answer: more
	// than the target's backend timeout, so that the target must give up.
	SlowFault time.Duration
	// LoadCalls is how many tool calls a load scenario makes (load.go);
	// 0 means DefaultLoadCalls, the size of the suite's default run.
	LoadCalls int

	// quiet serialises scenarios tagged @serial, which read the backend
	// recording or inject faults, against all others.
	quiet sync.RWMutex

	attacker     *httptest.Server
	attackerHits sync.Map // path → *atomic.Int64

	mintedMu  sync.Mutex
	minted    []string        // every token sent in this run, for the hygiene checks
	mintedSHA map[string]bool // their SHA-256, hex, as the backend records tokens
}

// NewEnv prepares the shared state for a run against t. Close releases it.
func NewEnv(t *harness.Target) *Env {
	e := &Env{Target: t, Client: harness.NewClient(t.MCPURL), SlowFault: 2 * time.Second}
	// The attacker listener stands for the URLs a hostile jku or x5u header
	// points at: a conforming target never fetches them. It serves the key
	// that signed the forgery (harness.AttackerJWKS), so that a target which
	// does follow the URL accepts the token and fails the scenario that
	// expects a refusal, not only the one that counts fetches.
	e.attacker = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, _ := e.attackerHits.LoadOrStore(r.URL.Path, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(harness.AttackerJWKS())
	}))
	return e
}

// Close stops the attacker listener.
func (e *Env) Close() { e.attacker.Close() }

func (e *Env) remember(tokens ...string) {
	e.mintedMu.Lock()
	defer e.mintedMu.Unlock()
	if e.mintedSHA == nil {
		e.mintedSHA = map[string]bool{}
	}
	for _, t := range tokens {
		if len(t) >= 16 {
			e.minted = append(e.minted, t)
			h := sha256.Sum256([]byte(t))
			e.mintedSHA[hex.EncodeToString(h[:])] = true
		}
	}
}

// sentToken reports whether a token with this SHA-256 (hex) was sent in
// this run.
func (e *Env) sentToken(sha string) bool {
	e.mintedMu.Lock()
	defer e.mintedMu.Unlock()
	return e.mintedSHA[sha]
}

func (e *Env) mintedTokens() []string {
	e.mintedMu.Lock()
	defer e.mintedMu.Unlock()
	return append([]string(nil), e.minted...)
}

func (e *Env) hits(path string) int64 {
	if v, ok := e.attackerHits.Load(path); ok {
		return v.(*atomic.Int64).Load()
	}
	return 0
}

// scenario is the state of one scenario: the credentials it sends, what it
// got back, and the sessions it opened.
type scenario struct {
	env     *Env
	id      string
	serial  bool
	locked  bool // holds env.quiet (write lock when serial)
	skipped *SkipReason

	user    harness.User        // whose valid token {token} is
	token   string              // the token under test; "" when none
	creds   harness.Credentials // how it is sent
	resp    *harness.Response   // the last answer of the target
	dropped error               // set when the target closed the connection instead of answering (resp.Status 0)
	// 2026-07-28 (stateless.go): two callers' tools/list; the expiry of
	// the token under test ("that expires in", clients.go); when a listen
	// stream ended.
	listings   []listing
	tokenExp   time.Time
	streamEnd  time.Time
	result     *harness.ToolResult // the last tool result, if any
	call       *toolCall           // the last tool call
	sessions   map[string]*harness.Session
	metadata   map[string]any
	fetched    string // the path of the last "the client fetches"
	concurrent []concurrentOutcome
	attackPath string
	logMark    int // length of the target's log when the scenario began

	load  *loadRun    // the last load run (load.go)
	limit *limitProbe // the last oversized or slow request (limits.go)

	tokenFault string // SHA-256 of the token a fault was set for, if any

	tampered bool            // a supplied token's claim was changed under its signature (material.go)
	noNarrow bool            // alice and another member of her organization: the narrow token plays neither (material.go)
	client   *clientScenario // clients.go
}

type toolCall struct {
	tool string
	args map[string]any
}

type concurrentOutcome struct {
	user harness.User
	tool string
	err  error
	text string
}

type scenarioKey struct{}

func withScenario(ctx context.Context, s *scenario) context.Context {
	return context.WithValue(ctx, scenarioKey{}, s)
}

func get(ctx context.Context) *scenario {
	s, _ := ctx.Value(scenarioKey{}).(*scenario)
	return s
}

// validToken returns a fresh valid token of u and remembers it.
func (s *scenario) validToken(u harness.User) (string, error) {
	var tok string
	var err error
	if sup := s.env.Target.Supplied; sup != nil {
		tok, _, _, err = sup.PlayRole(context.Background(), u, !s.noNarrow)
	} else {
		tok, _, err = s.env.Target.Tokens().Play(context.Background(), u)
	}
	if err != nil {
		return "", material(err)
	}
	s.env.remember(tok)
	return tok, nil
}

// useToken makes tok the scenario's credential, sent as a Bearer header.
func (s *scenario) useToken(tok string) {
	s.env.remember(tok)
	s.token = tok
	s.creds = harness.BearerHeader(tok)
}

// expand replaces the placeholders of features/GRAMMAR.md.
func (s *scenario) expand(v string) (string, error) {
	if !strings.Contains(v, "{") {
		return v, nil
	}
	f := s.env.Target.Fixtures
	// A fixture the profile does not name skips the scenario: it is the
	// profile's gap, not the target's failure.
	for _, fx := range []struct{ placeholder, key, value string }{
		{"{acme_ticket}", "acme_ticket", f.AcmeTicket}, {"{globex_ticket}", "globex_ticket", f.GlobexTicket},
		{"{acme_integration}", "acme_integration", f.AcmeIntegration}, {"{globex_integration}", "globex_integration", f.GlobexIntegration},
		{"{missing_ticket}", "missing_ticket", f.MissingTicket}, {"{missing_integration}", "missing_integration", f.MissingIntegration},
	} {
		if fx.value == "" && strings.Contains(v, fx.placeholder) {
			return "", skip("the profile names no fixture %s (fixtures: in the profile)", fx.key)
		}
	}
	pairs := []string{
		"{acme_ticket}", f.AcmeTicket, "{globex_ticket}", f.GlobexTicket,
		"{acme_integration}", f.AcmeIntegration, "{globex_integration}", f.GlobexIntegration,
		"{missing_ticket}", f.MissingTicket, "{missing_integration}", f.MissingIntegration,
		"{tab}", "\t",
	}
	if strings.Contains(v, "{token}") {
		tok, err := s.validToken(s.user)
		if err != nil {
			return "", err
		}
		s.token = tok
		pairs = append(pairs, "{token}", tok)
	}
	if strings.Contains(v, "{forged}") {
		tok, err := s.forgedToken()
		if err != nil {
			return "", err
		}
		pairs = append(pairs, "{forged}", tok)
	}
	return strings.NewReplacer(pairs...).Replace(v), nil
}
