package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/mcpauthspec/mcpauthspec/features"
	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/steps"
)

// Scenario outcomes.
const (
	Passed  = "passed"
	Failed  = "failed"
	Skipped = "skipped"
)

// Options select what runs and how.
type Options struct {
	Target      *harness.Target
	Features    fs.FS  // default: the embedded specification
	Tags        string // godog tag expression, e.g. "@must && ~@needs-logs"; "": DefaultTags
	Concurrency int    // scenarios at once (default 4); @serial ones run last, alone
	// SlowFault overrides how long the "slow" backend fault delays answers;
	// it must exceed the target's backend timeout.
	SlowFault time.Duration
	// LoadCalls sets how many tool calls a load scenario makes (0: the
	// suite's default, steps.DefaultLoadCalls).
	LoadCalls int
	// TestingT runs each scenario as a subtest (go test).
	TestingT *testing.T
	// OnResult is called after each scenario, e.g. for progress.
	OnResult func(Result)
	// Protocol is the MCP revision to speak (harness.Revisions), or auto
	// (also ""): ask the target which it speaks (harness.Client.Speaks).
	// With auto, a target the harness started (embedded, command,
	// container) is run once per revision it speaks, in one report; an
	// external one in the newest only.
	Protocol string
	// Revisions, when set, are the revisions to run, as they are: no
	// question to the target (the self-test's choice of wires).
	Revisions []string
}

// Result is the outcome of one case.
type Result struct {
	Case
	// Revision is the MCP revision the scenario ran on; the same ID appears
	// once per revision.
	Revision string        `json:"revision,omitempty"`
	Status   string        `json:"status"`
	Message  string        `json:"message,omitempty"`
	Expected string        `json:"expected,omitempty"`
	Actual   string        `json:"actual,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Report is the outcome of a run, in specification order.
type Report struct {
	Target   string
	Results  []Result
	Duration time.Duration
	// Speaks are the MCP revisions the target speaks (when the runner asked
	// it), Revisions those the run spoke, newest first.
	Speaks    []string
	Revisions []string
}

// DefaultTags is the selection when none is given: the scenarios of the
// target's key mode. A target in JWKS mode (Target.Keys set) runs the @jwks
// scenarios, any other target every scenario but those. Explicitly selected
// scenarios of the other mode are skipped with the reason.
func DefaultTags(t *harness.Target) string {
	if t.Keys != nil {
		return "@jwks"
	}
	return "~@jwks"
}

// Run executes the specification against opts.Target.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Target == nil {
		return nil, errors.New("runner: no target")
	}
	if opts.Features == nil {
		opts.Features = features.FS
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Tags == "" {
		opts.Tags = DefaultTags(opts.Target)
	}
	catalog, err := LoadCatalog(opts.Features)
	if err != nil {
		return nil, err
	}
	env := steps.NewEnv(opts.Target)
	defer env.Close()
	if opts.SlowFault > 0 {
		env.SlowFault = opts.SlowFault
	}
	env.LoadCalls = opts.LoadCalls
	revisions, speaks, err := resolveRevisions(ctx, env, opts)
	if err != nil {
		return nil, err
	}
	var revision string // the revision of the pass running

	var mu sync.Mutex
	results := map[string]Result{}
	starts := sync.Map{}
	record := func(ctx context.Context, p *godog.Scenario, err error) {
		if steps.SkippedForWire(ctx) {
			return // not applicable to this revision: not run there
		}
		cs := catalog.Lookup(p)
		if cs == nil {
			cs = &Case{ID: "unknown", Name: p.Name, File: p.Uri}
		}
		r := Result{Case: *cs, Revision: revision, Status: Passed}
		if v, ok := starts.Load(p.Id); ok {
			r.Duration = time.Since(v.(time.Time))
		}
		var skip *steps.SkipReason
		var mm *steps.Mismatch
		reason, skipped := steps.Skipped(ctx)
		switch {
		case skipped:
			r.Status, r.Message = Skipped, reason
		case err == nil:
		case errors.As(err, &skip):
			r.Status, r.Message = Skipped, skip.Reason
		case errors.Is(err, godog.ErrSkip):
			r.Status, r.Message = Skipped, "skipped"
		case errors.As(err, &mm):
			r.Status, r.Expected, r.Actual, r.Message = Failed, mm.Expected, mm.Actual, mm.Error()
		default:
			r.Status, r.Message = Failed, err.Error()
		}
		mu.Lock()
		results[revision+" "+p.Id] = r
		mu.Unlock()
		if opts.OnResult != nil {
			opts.OnResult(r)
		}
	}

	start := time.Now()
	// Per revision, two passes: every scenario but the @serial ones at
	// opts.Concurrency, then the @serial ones one at a time. In one pass a
	// @serial scenario would wait for every scenario in flight and hold
	// back every one after it, so each of them would cost the suite the
	// longest wait around it. They go last because some change what lasts
	// (the issuer's JWKS keys after a rotation), as they did when they came
	// last in file order. A scenario whose feature applies to the other
	// wire (@legacy-only, @modern-only) is not selected.
	type pass struct {
		revision, tag string
		concurrency   int
	}
	// Every revision's concurrent pass comes before any @serial pass, so
	// that what a @serial scenario changes (a key rotation) is never seen
	// by the concurrent scenarios of the next revision.
	var passes []pass
	for _, serial := range []bool{false, true} {
		for _, rev := range revisions {
			wire := "~" + tagModernOnly
			if harness.IsModern(rev) {
				wire = "~" + tagLegacyOnly
			}
			if serial {
				passes = append(passes, pass{rev, wire + "&&" + tagSerial, 1})
			} else {
				passes = append(passes, pass{rev, wire + "&&~" + tagSerial, opts.Concurrency})
			}
		}
	}
	for _, pass := range passes {
		revision = pass.revision
		env.SetRevision(revision)
		suite := godog.TestSuite{
			Name: "mcpauthspec",
			ScenarioInitializer: func(sc *godog.ScenarioContext) {
				sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
					starts.Store(p.Id, time.Now())
					return ctx, nil
				})
				steps.Register(sc, env)
				sc.After(func(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
					record(ctx, p, err)
					return ctx, nil
				})
			},
			Options: &godog.Options{
				FS:             opts.Features,
				Paths:          []string{"."},
				Format:         "progress",
				Output:         io.Discard,
				Tags:           andTag(opts.Tags, pass.tag),
				Concurrency:    pass.concurrency,
				Strict:         true,
				NoColors:       true,
				TestingT:       opts.TestingT,
				DefaultContext: ctx,
			},
		}
		suite.Run()
	}

	rep := &Report{Target: opts.Target.Kind, Duration: time.Since(start), Speaks: speaks, Revisions: revisions}
	for _, r := range results {
		rep.Results = append(rep.Results, r)
	}
	order := map[string]int{}
	for i, c := range catalog.Cases {
		order[c.ID] = i
	}
	revOrder := map[string]int{}
	for i, rev := range revisions {
		revOrder[rev] = i
	}
	sort.Slice(rep.Results, func(i, j int) bool {
		a, b := rep.Results[i], rep.Results[j]
		if order[a.ID] != order[b.ID] {
			return order[a.ID] < order[b.ID]
		}
		return revOrder[a.Revision] < revOrder[b.Revision]
	})
	if len(rep.Results) == 0 {
		return rep, fmt.Errorf("no scenario matched the tag expression %q", opts.Tags)
	}
	return rep, nil
}

// tagSerial marks the scenarios that must run alone (steps.Register holds
// them to it as well).
const tagSerial = "@serial"

// Feature-level tags that say which wire a feature applies to
// (docs/protocol.md): sessions exist only on the legacy revisions, the
// stateless rules only on 2026-07-28.
const (
	tagLegacyOnly = "@legacy-only"
	tagModernOnly = "@modern-only"
)

// resolveRevisions decides which revisions the run speaks (Options.Protocol,
// Options.Revisions) and, when it asked the target, which it speaks.
func resolveRevisions(ctx context.Context, env *steps.Env, opts Options) (revisions, speaks []string, err error) {
	if len(opts.Revisions) > 0 {
		for _, rev := range opts.Revisions {
			if p, err := harness.ParseProtocol(rev); err != nil || p == harness.ProtocolAuto {
				return nil, nil, fmt.Errorf("runner: revision %q is not one of %s", rev, strings.Join(harness.Revisions, ", "))
			}
		}
		return opts.Revisions, nil, nil
	}
	protocol := opts.Protocol
	if protocol == "" {
		protocol = opts.Target.Protocol
	}
	p, err := harness.ParseProtocol(protocol)
	if err != nil {
		return nil, nil, err
	}
	if p != harness.ProtocolAuto {
		return []string{p}, nil, nil
	}
	speaks, err = env.Speaks(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("--protocol auto: %w", err)
	}
	if opts.Target.Kind == "external" {
		return speaks[:1], speaks, nil
	}
	return speaks, speaks, nil
}

// andTag narrows the godog tag expression expr (clauses of "&&" joined by
// ",", an OR of ANDs) to the scenarios that also match tag.
func andTag(expr, tag string) string {
	if strings.TrimSpace(expr) == "" {
		return tag
	}
	clauses := strings.Split(expr, ",")
	for i, c := range clauses {
		clauses[i] = strings.TrimSpace(c) + "&&" + tag
	}
	return strings.Join(clauses, ",")
}
