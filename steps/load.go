package steps

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// The load scenarios (features/13_load_and_limits.feature): many tool calls
// at once from several users of both organizations, a share of them with
// bad tokens, against any target. Every answer is judged: a bad token must
// be refused, a good one served, and served with its own caller's identity
// and organization only.

// DefaultLoadCalls is the size of a load run in the suite's default run:
// enough to mix every user, tool and kind of bad token many times over at
// full concurrency, small enough to keep the whole suite at a few seconds.
// The README's figures come from a run with --load-calls 20000.
const DefaultLoadCalls = 2000

// MaxLoadCalls bounds --load-calls: a load run is bounded in count.
const MaxLoadCalls = 1_000_000

// loadTimeLimit bounds a load run in time, whatever its size.
const loadTimeLimit = 10 * time.Minute

// A load call is good or carries one kind of bad token.
type callKind int

const (
	goodCall callKind = iota
	expiredToken
	wrongSignature
	wrongAudience
	missingScope
)

var badKinds = []callKind{expiredToken, wrongSignature, wrongAudience, missingScope}

func (k callKind) String() string {
	return [...]string{"good", "expired", "wrong signature", "wrong audience", "missing scope"}[k]
}

// wantStatus is the answer to a bad token: 401 invalid_token for a token
// that is not valid here (RFC 6750 §3.1), 403 insufficient_scope for a
// valid one short of the tool's scope (MCP 2025-11-25, scope challenges).
func (k callKind) wantStatus() int {
	if k == missingScope {
		return http.StatusForbidden
	}
	return http.StatusUnauthorized
}

// loadTool is one tool call a user may make.
type loadTool struct {
	contract string // the contract's name, which decides how the answer is judged
	name     string // the target's name
	args     map[string]any
}

// loadUser is a user's part of the load: the session opened with the good
// token, the tools the good token may call, and the bad tokens.
type loadUser struct {
	user     harness.User
	good     string
	session  *harness.Session
	tools    []loadTool
	bad      map[callKind]string
	scopeOut loadTool // the tool whose scope the missingScope token lacks
}

// loadRun is what a load run measured.
type loadRun struct {
	Calls, Concurrency, Users, Orgs int
	BadPercent                      int
	ByKind                          map[callKind]int
	WrongAccepts                    int // a bad token served
	WrongRejects                    int // a good token refused
	Failures                        int // a bad call refused with the wrong status; a transport error, 5xx, JSON-RPC error or malformed answer
	ToolErrors                      int // a good call served with a tool error (the backend failed or timed out): availability, not an auth decision
	Good                            int // calls with a good token
	CrossTalk                       int // an answer with another caller's identity, organization or JSON-RPC id
	Duration                        time.Duration
	P50, P99                        time.Duration
	Problems                        []string // the first few, for the report; never a token

	inProcess bool
	before    resourceMark
	// closeIdle drops the load's idle connections. A connection goes back
	// to the pool asynchronously after its last answer was read, so one
	// call may miss it: backToBaseline calls it until the count settles.
	closeIdle func()
}

// resourceMark is a process's goroutines and live heap at one moment, and
// how much the target had logged then (the captured log is heap of this
// process, not of the target).
type resourceMark struct {
	Goroutines int
	Heap       uint64
	logBytes   int
}

// markResources also clears the fake backend's recording, which lives in
// this process beside an in-process target and grows with every backend
// call (up to its bound): it is the suite's memory, not the target's.
func markResources(ctx context.Context, t *harness.Target) resourceMark {
	m := resourceMark{}
	if t.Backend != nil {
		_ = t.Backend.ResetRecording(ctx)
	}
	if t.Logs != nil {
		m.logBytes = len(t.Logs())
	}
	// Twice: the first cycle may only move sync.Pool contents to the
	// victim cache, which the second frees.
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.Heap = ms.HeapAlloc
	m.Goroutines = runtime.NumGoroutine()
	return m
}

func (r *loadRun) summary() string {
	kinds := make([]string, 0, len(badKinds))
	for _, k := range badKinds {
		kinds = append(kinds, fmt.Sprintf("%d %s", r.ByKind[k], k))
	}
	return fmt.Sprintf("%d tools/call at %d concurrent from %d users in %d organizations, %d%% bad tokens (%s) in %v (p50 %v, p99 %v): %d wrong accepts, %d wrong rejects, %d cross-talk, %d other failures, %d tool errors of %d good calls",
		r.Calls, r.Concurrency, r.Users, r.Orgs, r.BadPercent, strings.Join(kinds, ", "),
		r.Duration.Round(time.Millisecond), r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond),
		r.WrongAccepts, r.WrongRejects, r.CrossTalk, r.Failures, r.ToolErrors, r.Good)
}

// loadRuns is the step:
//
//	When 64 concurrent clients call tools as "alice", "bob", ... with 30 % bad tokens
//
// It makes Env.LoadCalls tool calls (DefaultLoadCalls when 0) through
// `concurrency` workers, each with its own connection. Call i is made by
// user i mod len(users); a share of pct percent, spread evenly, carries a
// bad token, the kinds taken in turn. Good calls go through the tools the
// user's scopes allow, on a session the user opened; bad ones go on the same
// session, so that only the token decides. The sessions are closed and the
// connections dropped at the end, so that the target can return to its
// baseline.
func loadRuns(ctx context.Context, concurrency int, names string, pct int) error {
	s := get(ctx)
	if !s.serial {
		return fmt.Errorf("a load scenario must be tagged %s: it measures the target alone", tagSerial)
	}
	if concurrency < 1 || pct < 0 || pct > 100 {
		return fmt.Errorf("concurrency %d, bad share %d %%: want at least 1 and 0 to 100", concurrency, pct)
	}
	calls := s.env.LoadCalls
	if calls == 0 {
		calls = DefaultLoadCalls
	}
	if calls < 1 || calls > MaxLoadCalls {
		return fmt.Errorf("load size %d: want 1 to %d calls", calls, MaxLoadCalls)
	}
	users, err := usersIn(names)
	if err != nil {
		return err
	}
	t := s.env.Target
	// One connection per worker, kept alive: the load measures the target,
	// not connection setup (and 20 000 fresh connections would exhaust the
	// loopback's ephemeral ports).
	transport := &http.Transport{MaxIdleConnsPerHost: concurrency, MaxConnsPerHost: concurrency, IdleConnTimeout: time.Minute}
	run := &loadRun{Calls: calls, Concurrency: concurrency, Users: len(users), BadPercent: pct,
		ByKind: map[callKind]int{}, inProcess: t.InProcess, closeIdle: transport.CloseIdleConnections}
	orgs := map[string]bool{}
	for _, u := range users {
		orgs[u.OrgID] = true
	}
	run.Orgs = len(orgs)

	client := &harness.Client{HTTP: &http.Client{Timeout: 30 * time.Second, Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, MCPURL: t.MCPURL, Protocol: s.env.Client.Protocol}
	plan := make([]*loadUser, len(users))
	defer func() {
		// Close what the load opened: DELETE each session (MCP Streamable
		// HTTP session termination), then the idle connections.
		for _, p := range plan {
			if p != nil && p.session != nil && p.session.ID != "" {
				_, _ = client.Do(context.WithoutCancel(ctx), harness.Exchange{Method: http.MethodDelete, Session: p.session.ID, Creds: harness.BearerHeader(p.good)})
			}
		}
		transport.CloseIdleConnections()
	}()
	for i, u := range users {
		if plan[i], err = s.prepareLoadUser(ctx, client, u); err != nil {
			return err
		}
	}
	if t.Backend != nil {
		// Read again when the load is over: a short-of-scope call the
		// target let run shows there even when the backend refused it.
		if err := t.Backend.ResetRecording(ctx); err != nil {
			return err
		}
	}

	// Warm-up: each user's tools once, so that what the target keeps
	// between requests by design (its connection pool to the backend, its
	// token-exchange cache) is part of the baseline, not counted as a leak.
	for _, p := range plan {
		for turn := range p.tools {
			if o := s.loadCall(ctx, client, p, goodCall, -1, turn); o.verdict != verdictRight {
				return mismatch("the warm-up calls to succeed", "%s", s.redact(o.detail))
			}
		}
	}
	if run.inProcess {
		run.before = markResources(ctx, t)
	}

	runCtx, cancel := context.WithTimeout(ctx, loadTimeLimit)
	defer cancel()
	var (
		next      atomic.Int64
		latencies = make([]time.Duration, calls)
		counts    sync.Mutex
		wg        sync.WaitGroup
	)
	tally := func(o loadOutcome) {
		counts.Lock()
		defer counts.Unlock()
		run.ByKind[o.kind]++
		if o.kind == goodCall {
			run.Good++
		}
		switch o.verdict {
		case verdictRight:
			return
		case verdictToolError:
			run.ToolErrors++
		case verdictWrongAccept:
			run.WrongAccepts++
		case verdictWrongReject:
			run.WrongRejects++
		case verdictCrossTalk:
			run.CrossTalk++
		default:
			run.Failures++
		}
		if len(run.Problems) < 5 {
			run.Problems = append(run.Problems, s.redact(o.detail))
		}
	}
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for runCtx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= calls {
					return
				}
				p := plan[i%len(plan)]
				kind := goodCall
				// Bresenham: call i is bad when it carries the running
				// share of bad calls over the next whole number.
				if bad := (i + 1) * pct / 100; bad > i*pct/100 {
					kind = badKinds[(bad-1)%len(badKinds)]
				}
				began := time.Now()
				o := s.loadCall(runCtx, client, p, kind, i, i/len(plan))
				latencies[i] = time.Since(began)
				tally(o)
			}
		}()
	}
	wg.Wait()
	run.Duration = time.Since(start)
	made := int(next.Load())
	if made > calls {
		made = calls
	}
	if made < calls || runCtx.Err() != nil && ctx.Err() == nil {
		return mismatch(fmt.Sprintf("%d calls within %v", calls, loadTimeLimit), "the time limit stopped the load after about %d", made)
	}
	slices.Sort(latencies)
	run.P50, run.P99 = latencies[calls/2], latencies[min(calls-1, calls*99/100)]
	if err := s.unscopedBackendCalls(ctx, run); err != nil {
		return err
	}
	s.load = run
	if s.env.LoadCalls > 0 {
		// An explicit size is a measurement someone asked for: print it
		// (through testing.T under go test, to stdout otherwise).
		godog.Logf(ctx, "load: %s", run.summary())
	}
	return nil
}

func usersIn(names string) ([]harness.User, error) {
	var users []harness.User
	for _, m := range quotedName.FindAllStringSubmatch(names, -1) {
		u, err := user(m[1])
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("no users in %s", names)
	}
	return users, nil
}

// prepareLoadUser mints u's tokens, opens u's session and picks u's tools.
func (s *scenario) prepareLoadUser(ctx context.Context, client *harness.Client, u harness.User) (*loadUser, error) {
	is := s.env.Target.Issuer
	if is == nil {
		return nil, skip("the load run mints expired and forged tokens: %v", harness.ErrNeedsSigningKey)
	}
	p := &loadUser{user: u, bad: map[callKind]string{}}
	var err error
	if p.good, err = s.validToken(u); err != nil {
		return nil, err
	}
	now := time.Now().Unix()
	// Expired beyond any leeway a conforming target allows (5 min at most).
	if p.bad[expiredToken], err = is.TokenWith(u, map[string]json.RawMessage{
		"exp": json.RawMessage(fmt.Sprint(now - 600)), "iat": json.RawMessage(fmt.Sprint(now - 1200)),
	}, nil); err != nil {
		return nil, err
	}
	forger := *is
	forger.Secret = []byte(rand.Text() + rand.Text())
	if p.bad[wrongSignature], err = forger.Token(u); err != nil {
		return nil, err
	}
	elsewhere := *is
	elsewhere.Audience = "mcpauthspec-another-resource"
	if p.bad[wrongAudience], err = elsewhere.Token(u); err != nil {
		return nil, err
	}
	has := func(scope string) bool { return slices.Contains(u.Scopes, scope) }
	tool := func(contract string, args map[string]any) (loadTool, bool) {
		name, ok := s.env.Target.Tool(contract)
		return loadTool{contract: contract, name: name, args: args}, ok
	}
	// missingScope: system_status needs admin. A user without admin calls it
	// with the good token; one with admin, with a token of the user's
	// other scopes.
	var ok bool
	if p.scopeOut, ok = tool("system_status", map[string]any{}); !ok {
		return nil, skip("the profile maps no tool to %q, which the missing-scope calls need", "system_status")
	}
	p.bad[missingScope] = p.good
	if has("admin") {
		rest := slices.DeleteFunc(slices.Clone(u.Scopes), func(sc string) bool { return sc == "admin" })
		if p.bad[missingScope], err = is.TokenWith(u, map[string]json.RawMessage{"scope": jsonString(strings.Join(rest, " "))}, nil); err != nil {
			return nil, err
		}
	}
	s.env.remember(p.good, p.bad[expiredToken], p.bad[wrongSignature], p.bad[wrongAudience], p.bad[missingScope])

	ticket := s.env.Target.Fixtures.AcmeTicket
	if u.OrgID != "org-acme" {
		ticket = s.env.Target.Fixtures.GlobexTicket
	}
	candidates := []struct {
		contract, scope string
		args            map[string]any
	}{
		{"whoami", "", map[string]any{}},
		{"list_tickets", "read", map[string]any{}},
		{"get_ticket", "read", map[string]any{"ticket_id": ticket}},
		{"list_integrations", "read", map[string]any{}},
		{"system_status", "admin", map[string]any{}},
	}
	for _, c := range candidates {
		if c.scope != "" && !has(c.scope) {
			continue
		}
		if c.contract == "get_ticket" && ticket == "" {
			continue // a profile without fixtures: the load goes on without it
		}
		if t, ok := tool(c.contract, c.args); ok {
			p.tools = append(p.tools, t)
		}
	}
	if len(p.tools) == 0 || p.tools[0].contract != "whoami" {
		return nil, skip("the profile maps no tool to %q, which the load's identity checks need", "whoami")
	}
	sess, resp, err := client.Open(ctx, harness.BearerHeader(p.good))
	if err != nil {
		return nil, fmt.Errorf("%s could not open a session with a valid token: %w", u.Name, err)
	}
	if sess == nil {
		return nil, fmt.Errorf("%s could not open a session with a valid token: HTTP %d %s", u.Name, resp.Status, snippet(resp.Body))
	}
	p.session = sess
	return p, nil
}

func jsonString(v string) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

type verdict int

const (
	verdictRight verdict = iota
	verdictWrongAccept
	verdictWrongReject
	verdictCrossTalk
	verdictFailure
	verdictToolError
)

type loadOutcome struct {
	kind    callKind
	verdict verdict
	detail  string // may quote the answer: redacted before it is kept
}

// loadCall makes call i, p's call number turn, with a token of kind and
// judges the answer.
func (s *scenario) loadCall(ctx context.Context, client *harness.Client, p *loadUser, kind callKind, i, turn int) loadOutcome {
	tool, token := p.tools[turn%len(p.tools)], p.good
	if kind != goodCall {
		token = p.bad[kind]
		if kind == missingScope {
			tool = p.scopeOut
		}
	}
	o := loadOutcome{kind: kind}
	fail := func(v verdict, format string, args ...any) loadOutcome {
		o.verdict = v
		o.detail = fmt.Sprintf("call %d (%s as %s, %s token): ", i, tool.contract, p.user.Name, kind) + fmt.Sprintf(format, args...)
		return o
	}
	id := client.NewID()
	resp, err := client.Do(ctx, harness.Exchange{Session: p.session.ID, Creds: harness.BearerHeader(token),
		Message: &harness.Message{ID: id, Method: "tools/call", Params: map[string]any{"name": tool.name, "arguments": tool.args}}})
	if err != nil {
		return fail(verdictFailure, "%v", err)
	}
	if kind != goodCall {
		switch {
		case resp.Status/100 == 2 && servedTool(resp, id):
			return fail(verdictWrongAccept, "HTTP %d %s", resp.Status, snippet(resp.Body))
		case kind == missingScope && resp.Status/100 == 2:
			// Refused in the answer: a tool error or a JSON-RPC error.
			// MCP 2025-11-25 asks for 403 with SHOULD only (Scope Challenge
			// Handling), so this is a refusal, not a wrong accept.
			return o
		case resp.Status != kind.wantStatus():
			return fail(verdictFailure, "HTTP %d, want %d", resp.Status, kind.wantStatus())
		}
		return o
	}
	if resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden {
		return fail(verdictWrongReject, "HTTP %d %q", resp.Status, resp.Header.Values("WWW-Authenticate"))
	}
	if resp.Status != http.StatusOK {
		return fail(verdictFailure, "HTTP %d %s", resp.Status, snippet(resp.Body))
	}
	// Every JSON-RPC response on this answer must be to this request: one
	// with another id is another request's answer delivered here.
	for _, m := range resp.Messages {
		var msg struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal(m, &msg) == nil && len(msg.ID) > 0 && string(msg.ID) != fmt.Sprint(id) {
			return fail(verdictCrossTalk, "the answer carries the JSON-RPC id %s, the request had %d", msg.ID, id)
		}
	}
	raw, err := resp.RPCResult(id)
	if err != nil {
		return fail(verdictFailure, "%v", err)
	}
	var result struct {
		IsError bool `json:"isError"`
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	}
	if err := json.Unmarshal(raw, &result); err != nil || len(result.Content) == 0 {
		return fail(verdictFailure, "tools/call result %s", snippet(raw))
	}
	text := result.Content[0].Text
	if result.IsError {
		return fail(verdictToolError, "tool error %s", snippet([]byte(text)))
	}
	if v, detail := crossTalk(p.user, tool, text); v != verdictRight {
		return fail(v, "%s", detail)
	}
	return o
}

// unscopedBackendCalls counts as wrong accepts the backend API calls of the
// load that carried a token without the scope their tool needs
// (system_status: admin): the target ran the tool for a short-of-scope
// token, and the answer the client saw was the backend's refusal.
func (s *scenario) unscopedBackendCalls(ctx context.Context, run *loadRun) error {
	b := s.env.Target.Backend
	if b == nil {
		return nil
	}
	reqs, err := b.Requests(ctx)
	if err != nil {
		return err
	}
	for _, r := range reqs {
		if r.Path == "/api/system/status" && !slices.Contains(r.Scopes, "admin") {
			run.WrongAccepts++
			if len(run.Problems) < 5 {
				run.Problems = append(run.Problems, fmt.Sprintf("the backend saw %s %s with scope %q (missing scope token): the tool ran without its scope", r.Method, r.Path, strings.Join(r.Scopes, " ")))
			}
		}
	}
	return nil
}

// servedTool reports whether resp holds a successful tool result for the
// request id: not a JSON-RPC error, not a result with isError.
func servedTool(resp *harness.Response, id int64) bool {
	raw, err := resp.RPCResult(id)
	if err != nil {
		return false
	}
	var result struct {
		IsError bool `json:"isError"`
	}
	return json.Unmarshal(raw, &result) == nil && !result.IsError
}

// crossTalk judges a good answer: whoami must name the caller, with the
// caller's scopes; every row must be the caller's organization's; and no
// answer may name another organization of the cast.
func crossTalk(u harness.User, tool loadTool, text string) (verdict, string) {
	for _, other := range harness.Users {
		if other.OrgID != u.OrgID && strings.Contains(text, other.OrgID) {
			return verdictCrossTalk, fmt.Sprintf("the answer names %s: %s", other.OrgID, snippet([]byte(text)))
		}
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return verdictFailure, "not JSON: " + snippet([]byte(text))
	}
	rows := func(field string) (verdict, string) {
		list, ok := v[field].([]any)
		if !ok || len(list) == 0 {
			return verdictFailure, fmt.Sprintf("no %s in %s", field, snippet([]byte(text)))
		}
		for _, r := range list {
			if row, _ := r.(map[string]any); row == nil || row["org_id"] != u.OrgID {
				return verdictCrossTalk, fmt.Sprintf("a row of %s for %s: %v", field, u.OrgID, r)
			}
		}
		return verdictRight, ""
	}
	switch tool.contract {
	case "whoami":
		var scopes []string
		for _, sc := range asList(v["scopes"]) {
			scopes = append(scopes, fmt.Sprint(sc))
		}
		slices.Sort(scopes)
		want := slices.Sorted(slices.Values(u.Scopes))
		if v["user_id"] != u.Subject || v["org_id"] != u.OrgID || !slices.Equal(scopes, want) {
			return verdictCrossTalk, fmt.Sprintf("whoami of %s (%s, %v) answered user_id %v, org_id %v, scopes %v",
				u.Subject, u.OrgID, want, v["user_id"], v["org_id"], scopes)
		}
	case "list_tickets":
		return rows("tickets")
	case "list_integrations":
		return rows("integrations")
	case "get_ticket":
		if v["id"] != tool.args["ticket_id"] || v["org_id"] != u.OrgID {
			return verdictCrossTalk, fmt.Sprintf("get_ticket %v for %s answered %v of %v", tool.args["ticket_id"], u.OrgID, v["id"], v["org_id"])
		}
	}
	return verdictRight, ""
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func (s *scenario) loadResult() (*loadRun, error) {
	if s.load == nil {
		return nil, fmt.Errorf("no load ran in this scenario")
	}
	return s.load, nil
}

func noBadTokenAccepted(ctx context.Context) error {
	s := get(ctx)
	r, err := s.loadResult()
	if err != nil {
		return err
	}
	if r.WrongAccepts > 0 {
		return mismatch("no call with a bad token served", "%d served: %s; %s", r.WrongAccepts, r.summary(), strings.Join(r.Problems, "; "))
	}
	return nil
}

// noGoodTokenRefused: no call with a good token was refused as if its token
// were bad (401 or 403). Other failures (a 429 of a rate limit, a 5xx)
// are availability, judged by noGoodCallRefused.
func noGoodTokenRefused(ctx context.Context) error {
	s := get(ctx)
	r, err := s.loadResult()
	if err != nil {
		return err
	}
	if r.WrongRejects > 0 {
		return mismatch("every call with a good token accepted", "%d refused with 401 or 403: %s; %s", r.WrongRejects, r.summary(), strings.Join(r.Problems, "; "))
	}
	return nil
}

func noGoodCallRefused(ctx context.Context) error {
	s := get(ctx)
	r, err := s.loadResult()
	if err != nil {
		return err
	}
	if r.WrongRejects > 0 || r.Failures > 0 {
		return mismatch("every call with a good token served, every bad one refused with its status",
			"%d wrong rejects, %d other failures: %s; %s", r.WrongRejects, r.Failures, r.summary(), strings.Join(r.Problems, "; "))
	}
	return nil
}

// goodCallsServed: at least pct percent of the good calls were served with
// a result. The rest got a tool error: the target accepted the token and ran
// the tool, whose backend failed or outlasted the target's timeout (the
// harness gives targets a 1 s one, which a starved machine can exceed).
// That is availability, not an authorization decision, so it is bounded
// here rather than counted as a wrong reject; and the answers judged for
// cross-talk are the served ones.
func goodCallsServed(ctx context.Context, pct int) error {
	s := get(ctx)
	r, err := s.loadResult()
	if err != nil {
		return err
	}
	if r.Good == 0 {
		return fmt.Errorf("the load made no good call")
	}
	if served := r.Good - r.ToolErrors; served*100 < pct*r.Good {
		return mismatch(fmt.Sprintf("at least %d %% of %d good calls served", pct, r.Good), "%d served: %s; %s", served, r.summary(), strings.Join(r.Problems, "; "))
	}
	return nil
}

func noCrossTalk(ctx context.Context) error {
	s := get(ctx)
	r, err := s.loadResult()
	if err != nil {
		return err
	}
	if r.CrossTalk > 0 {
		return mismatch("every answer with its own caller's identity and organization only",
			"%d answers with another's: %s; %s", r.CrossTalk, r.summary(), strings.Join(r.Problems, "; "))
	}
	return nil
}

// Slack of the return to baseline: goroutines that come and go on their own
// (timers, the runtime's), and heap that is not the load's (pools, map
// buckets kept after deletes).
const (
	goroutineSlack = 5
	heapSlack      = 2 << 20
	settleTime     = 5 * time.Second
	settleStill    = time.Second
)

// backToBaseline: after the load, the target is healthy and serves a fresh
// call; when it runs in this process, its goroutines return to within
// goroutineSlack of their number before the load (within settleTime) and
// its live heap to within heapSlack, not counting the log lines the harness
// captured meanwhile (twice their length: the capture buffer doubles as it
// grows). A goroutine or a buffer kept per call, per connection or per
// session fails it.
func backToBaseline(ctx context.Context) error {
	s := get(ctx)
	r, err := s.loadResult()
	if err != nil {
		return err
	}
	if !r.inProcess {
		return serverIsHealthy(ctx)
	}
	// Measured before the health check, whose own connections and session
	// are not the load's.
	// Goroutines of closed connections end within milliseconds, later on
	// a starved machine: wait while the count still falls, at most
	// settleTime, and give up once it has stood still for settleStill.
	deadline, lowest, lowestAt := time.Now().Add(settleTime), math.MaxInt, time.Now()
	var after resourceMark
	for {
		r.closeIdle()
		after = markResources(ctx, s.env.Target)
		if after.Goroutines < lowest {
			lowest, lowestAt = after.Goroutines, time.Now()
		}
		if after.Goroutines <= r.before.Goroutines+goroutineSlack || time.Now().After(deadline) || time.Since(lowestAt) > settleStill {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	figures := fmt.Sprintf("goroutines %d before, %d after; live heap %.1f MiB before, %.1f MiB after, %.1f MiB of it captured log",
		r.before.Goroutines, after.Goroutines, mib(r.before.Heap), mib(after.Heap), mib(uint64(after.logBytes-r.before.logBytes)))
	if s.env.LoadCalls > 0 {
		godog.Logf(ctx, "load: %s", figures)
	}
	if after.Goroutines > r.before.Goroutines+goroutineSlack {
		return mismatch(fmt.Sprintf("goroutines back to at most %d within %v", r.before.Goroutines+goroutineSlack, settleTime), "%s; %s", figures, goroutineOrigins())
	}
	allowed := r.before.Heap + heapSlack + 2*uint64(max(0, after.logBytes-r.before.logBytes))
	if after.Heap > allowed {
		return mismatch(fmt.Sprintf("live heap back to at most %.1f MiB", mib(allowed)), "%s", figures)
	}
	return serverIsHealthy(ctx)
}

// goroutineOrigins counts the live goroutines by the function that started
// them, the most frequent first, to say what a leak is made of.
func goroutineOrigins() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	counts := map[string]int{}
	for _, g := range strings.Split(string(buf), "\n\n") {
		origin := "(main)"
		if i := strings.Index(g, "\ncreated by "); i >= 0 {
			origin, _, _ = strings.Cut(g[i+len("\ncreated by "):], "\n")
			origin, _, _ = strings.Cut(origin, " in goroutine")
		}
		counts[origin]++
	}
	origins := slices.SortedFunc(maps.Keys(counts), func(a, b string) int { return counts[b] - counts[a] })
	var parts []string
	for _, o := range origins[:min(len(origins), 6)] {
		parts = append(parts, fmt.Sprintf("%d started by %s", counts[o], o))
	}
	return "live goroutines: " + strings.Join(parts, ", ")
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
