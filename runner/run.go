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
}

// Result is the outcome of one case.
type Result struct {
	Case
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
	// Coverage is set in a run with supplied tokens (coverage.go).
	Coverage *Coverage `json:"coverage,omitempty"`
}

// DefaultTags is the selection when none is given: the scenarios of the
// target's key mode. A target in JWKS mode (Target.Keys set) runs the @jwks
// scenarios, any other target every scenario but those. Explicitly selected
// scenarios of the other mode are skipped with the reason.
func DefaultTags(t *harness.Target) string {
	if t.Supplied != nil {
		return "" // every scenario: those the tokens cannot reach skip with the reason
	}
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
	supplied := opts.Target.Supplied != nil
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

	var mu sync.Mutex
	results := map[string]Result{}
	starts := sync.Map{}
	record := func(ctx context.Context, p *godog.Scenario, err error) {
		cs := catalog.Lookup(p)
		if cs == nil {
			cs = &Case{ID: "unknown", Name: p.Name, File: p.Uri}
		}
		r := Result{Case: *cs, Status: Passed}
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
			if steps.Tampered(ctx) {
				r.Message = steps.TamperedNote
			}
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
		results[p.Id] = r
		mu.Unlock()
		if opts.OnResult != nil {
			opts.OnResult(r)
		}
	}

	start := time.Now()
	// Two passes: every scenario but the @serial ones at opts.Concurrency,
	// then the @serial ones one at a time. In one pass a @serial scenario
	// would wait for every scenario in flight and hold back every one after
	// it, so each of them would cost the suite the longest wait around it.
	// They go last because some change what lasts (the issuer's JWKS keys
	// after a rotation), as they did when they came last in file order.
	for _, pass := range []struct {
		tag         string
		concurrency int
	}{{"~" + tagSerial, opts.Concurrency}, {tagSerial, 1}} {
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

	rep := &Report{Target: opts.Target.Kind, Duration: time.Since(start)}
	for _, r := range results {
		rep.Results = append(rep.Results, r)
	}
	if supplied {
		rep.Coverage = coverageOf(rep.Results)
	}
	order := map[string]int{}
	for i, c := range catalog.Cases {
		order[c.ID] = i
	}
	sort.Slice(rep.Results, func(i, j int) bool { return order[rep.Results[i].ID] < order[rep.Results[j].ID] })
	if len(rep.Results) == 0 {
		return rep, fmt.Errorf("no scenario matched the tag expression %q", opts.Tags)
	}
	return rep, nil
}

// tagSerial marks the scenarios that must run alone (steps.Register holds
// them to it as well).
const tagSerial = "@serial"

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
