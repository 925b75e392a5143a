// Package bench drives a target's tools/call with many users at once and
// measures what it answers: throughput, latency percentiles and the errors by
// kind. Part of the load may carry invalid tokens, whose rejection is timed
// too, and whose acceptance is counted as the failure it is.
//
// It talks only to loopback addresses, and every run is bounded by a count,
// a duration, or both (MaxCount, MaxDuration).
package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

// Bounds of one run. MaxDuration stays inside harness.TokenLifetime, so that
// no token minted at the start expires before the end.
const (
	MaxDuration    = 5 * time.Minute
	MaxCount       = 10_000_000
	MaxUsers       = 10_000
	MaxConcurrency = 1024
)

// Defaults of Options.
const (
	DefaultUsers       = 10
	DefaultConcurrency = 8
	DefaultDuration    = 5 * time.Second
	DefaultTool        = "whoami"
)

// Options describe one load.
type Options struct {
	// Target is where the load goes: its MCP URL, its issuer (which mints
	// every token), its tool names and its fixtures.
	Target *harness.Target
	// Users is the number of distinct identities; each has its own token
	// and MCP session, opened before the measurement starts.
	Users int
	// Concurrency is the number of calls in flight at any time.
	Concurrency int
	// Count stops the run after this many measured calls; 0: no count.
	Count int
	// Duration stops the run after this long; 0 with Count 0 means
	// DefaultDuration. When both are set, whichever comes first ends it.
	Duration time.Duration
	// Warmup calls are made before the measurement and not counted
	// (default: 10 per concurrent caller, at least one per user, so that
	// every connection and every cached token exchange exists).
	Warmup int
	// Tool is the contract's name of the tool to call (default whoami);
	// the target's own name is taken from Target.Tools.
	Tool string
	// Args are the tool's arguments; nil: DefaultArgs.
	Args map[string]any
	// BadShare is the share of calls, from 0 to 1, that carry an invalid
	// token instead of the user's own (spread evenly, cycling through
	// BadTokenKinds).
	BadShare float64
	// OnProgress, if set, is called about every ProgressEvery (default
	// 100 ms) while the measurement runs, from one goroutine.
	OnProgress    func(Progress)
	ProgressEvery time.Duration
}

// Progress is a snapshot of a running measurement.
type Progress struct {
	Calls   int64
	Errors  int64
	Elapsed time.Duration
}

// BadTokenKinds are the invalid tokens a bad call carries, one kind after the
// other: each is a case of harness.Hostile that a conforming target answers
// with 401 invalid_token (RFC 6750 §3.1), and each fails at another stage of
// verification: the signature, a time claim, the audience, the algorithm,
// the token's shape.
var BadTokenKinds = []string{
	"wrong secret",
	"exp in the past",
	"aud other",
	"alg none, no signature",
	"two segments",
}

// DefaultArgs returns valid arguments of a contract tool for a user of
// org-acme, from the target's fixtures.
func DefaultArgs(tool string, f harness.Fixtures) map[string]any {
	switch tool {
	case "get_ticket", "delete_ticket":
		return map[string]any{"ticket_id": f.AcmeTicket}
	case "update_ticket":
		return map[string]any{"ticket_id": f.AcmeTicket, "priority": "high"}
	case "create_ticket":
		return map[string]any{"title": "bench", "priority": "low"}
	case "sync_integration":
		return map[string]any{"integration_id": f.AcmeIntegration}
	}
	return map[string]any{}
}

// Check reports whether o's numbers are within bounds (the target aside).
func (o Options) Check() error {
	switch {
	case o.Users < 0 || o.Users > MaxUsers:
		return fmt.Errorf("bench: users must be between 1 and %d", MaxUsers)
	case o.Concurrency < 0 || o.Concurrency > MaxConcurrency:
		return fmt.Errorf("bench: concurrency must be between 1 and %d", MaxConcurrency)
	case o.Count < 0 || o.Count > MaxCount:
		return fmt.Errorf("bench: count must be between 0 and %d", MaxCount)
	case o.Duration < 0 || o.Duration > MaxDuration:
		return fmt.Errorf("bench: duration must be between 0s and %v", MaxDuration)
	case o.Warmup < 0 || o.Warmup > MaxCount:
		return fmt.Errorf("bench: warmup must be between 0 and %d", MaxCount)
	case math.IsNaN(o.BadShare) || o.BadShare < 0 || o.BadShare > 1:
		return errors.New("bench: bad-share must be between 0 and 1")
	case o.Tool != "" && !slices.Contains(harness.ContractTools, o.Tool):
		return fmt.Errorf("bench: %q is not a tool of the target contract (%s)", o.Tool, strings.Join(harness.ContractTools, ", "))
	}
	return nil
}

// withDefaults checks o and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	if err := o.Check(); err != nil {
		return o, err
	}
	if o.Target == nil || o.Target.Issuer == nil || o.Target.MCPURL == "" {
		return o, errors.New("bench: a target with an MCP URL and an issuer is required")
	}
	if o.Users == 0 {
		o.Users = DefaultUsers
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Count == 0 && o.Duration == 0 {
		o.Duration = DefaultDuration
	}
	if o.Tool == "" {
		o.Tool = DefaultTool
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 100 * time.Millisecond
	}
	if o.Warmup == 0 {
		o.Warmup = max(10*o.Concurrency, o.Users)
	}
	if o.Args == nil {
		o.Args = DefaultArgs(o.Tool, o.Target.Fixtures)
	}
	return o, nil
}

// Run opens a session for every user, warms up, then measures until the
// count or the duration is reached or ctx ends. An error means the load
// could not start (bad options, a user whose session was refused); what
// the target answered during the measurement is in the Result.
func Run(ctx context.Context, opts Options) (*Result, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	tool, ok := o.Target.Tool(o.Tool)
	if !ok {
		return nil, fmt.Errorf("bench: the target has no tool for %q (profile tools)", o.Tool)
	}
	c, err := newCaller(o.Target.MCPURL, o.Concurrency, tool, o.Args)
	if err != nil {
		return nil, err
	}
	defer c.close()
	users, err := openUsers(ctx, o.Target, o.Users)
	if err != nil {
		return nil, err
	}

	// Every run starts from the same fake backend: an empty recording,
	// which otherwise grows with every call (and, past its bound of 10 000
	// requests, costs more per request).
	if o.Target.Backend != nil {
		if err := o.Target.Backend.ResetRecording(ctx); err != nil {
			return nil, fmt.Errorf("bench: resetting the fake backend's recording: %w", err)
		}
	}
	l := &load{opts: o, caller: c, users: users}
	if err := l.warmup(ctx); err != nil {
		return nil, err
	}
	return l.measure(ctx), nil
}

// load is one run's state.
type load struct {
	opts   Options
	caller *caller
	users  []*user
}

// plan says which token call i carries: the user's own, or a bad one of
// kind BadTokenKinds[kind]. Bad calls are spread evenly: call i is bad when
// floor((i+1)·share) exceeds floor(i·share), so that any stretch of n calls
// holds n·share of them, give or take one.
func plan(i int64, share float64) (bad bool, kind int) {
	before := math.Floor(float64(i) * share)
	after := math.Floor(float64(i+1) * share)
	return after > before, int(int64(before) % int64(len(BadTokenKinds)))
}

// warmup makes opts.Warmup unmeasured calls, valid ones first, so that every
// user's token is exchanged (and cached) before the clock starts. A warmup
// call that fails is an error: numbers measured against a target that
// cannot answer the load would mean nothing.
func (l *load) warmup(ctx context.Context) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for range l.opts.Concurrency {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(l.opts.Warmup) || ctx.Err() != nil {
					return
				}
				u := l.users[i%int64(len(l.users))]
				out := l.caller.call(ctx, u, u.token)
				if out.kind != kindOK {
					once.Do(func() {
						first = fmt.Errorf("bench: warmup call as user %d: %s", i%int64(len(l.users))+1, out.describe())
					})
					return
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// measure runs the measured calls.
func (l *load) measure(ctx context.Context) *Result {
	o := l.opts
	rec := newRecorder()
	var next atomic.Int64
	cpu := processCPU()
	start := time.Now()
	if o.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}

	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if o.OnProgress == nil {
			return
		}
		tick := time.NewTicker(o.ProgressEvery)
		defer tick.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-tick.C:
				o.OnProgress(Progress{Calls: rec.calls.Load(), Errors: rec.errors.Load(), Elapsed: time.Since(start)})
			}
		}
	}()

	var wg sync.WaitGroup
	for range o.Concurrency {
		wg.Go(func() {
			b := rec.batch()
			defer b.flush()
			for {
				i := next.Add(1) - 1
				if (o.Count > 0 && i >= int64(o.Count)) || ctx.Err() != nil {
					return
				}
				u := l.users[i%int64(len(l.users))]
				token := u.token
				bad, kind := plan(i, o.BadShare)
				if bad {
					token = u.bad[kind]
				}
				out := l.caller.call(ctx, u, token)
				// A call cut short by the end of the run is not a result:
				// neither its latency nor its error is the target's.
				if out.kind == kindTransport && ctx.Err() != nil {
					return
				}
				b.add(bad, out)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu = processCPU() - cpu
	close(stopProgress)
	<-progressDone
	if o.OnProgress != nil {
		o.OnProgress(Progress{Calls: rec.calls.Load(), Errors: rec.errors.Load(), Elapsed: elapsed})
	}
	res := rec.result(o, elapsed)
	if res.Calls > 0 {
		res.CPUPerCall = cpu / time.Duration(res.Calls)
	}
	return res
}

// processCPU is the CPU time this process has used, every thread.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// user is one identity of the load, with its session and its tokens.
type user struct {
	session string
	token   string
	bad     []string // one token of each of BadTokenKinds
}

// openUsers mints every user's tokens and opens their sessions. The users
// are all of org-acme, with every scope, so that any contract tool and the
// fixtures of DefaultArgs fit them; each has its own subject.
func openUsers(ctx context.Context, t *harness.Target, n int) ([]*user, error) {
	client := harness.NewClient(t.MCPURL)
	users := make([]*user, n)
	for i := range users {
		name := fmt.Sprintf("bench%d", i+1)
		hu := harness.User{
			Name: name, Subject: "user-" + name, OrgID: "org-acme",
			Scopes: []string{"read", "write", "admin"}, Email: name + "@acme.example",
		}
		tok, err := t.Issuer.Token(hu)
		if err != nil {
			return nil, fmt.Errorf("bench: minting a token: %w", err)
		}
		u := &user{token: tok}
		for _, kind := range BadTokenKinds {
			hc, err := harness.LookupHostile(kind)
			if err != nil {
				return nil, fmt.Errorf("bench: %w", err)
			}
			bad, err := hc.Build(t.Issuer, hu)
			if err != nil {
				return nil, fmt.Errorf("bench: building a %q token: %w", kind, err)
			}
			u.bad = append(u.bad, bad)
		}
		sess, resp, err := client.Open(ctx, harness.BearerHeader(tok))
		switch {
		case err != nil:
			return nil, fmt.Errorf("bench: opening a session for user %d: %w", i+1, err)
		case sess == nil:
			return nil, fmt.Errorf("bench: the target refused to open a session for user %d: HTTP %d", i+1, resp.Status)
		}
		u.session = sess.ID
		users[i] = u
	}
	return users, nil
}
