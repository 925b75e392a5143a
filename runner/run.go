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
	Tags        string // tag expression (ParseTagExpr), e.g. "@must and not @needs-logs"; "": DefaultTags
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
	Target    string // the target's kind: embedded, command, container, external
	TargetURL string // its MCP endpoint
	Tags      string // the tag expression that selected the scenarios
	Results   []Result
	Started   time.Time
	Duration  time.Duration
	// Sources are the source tags of the catalog (@mcp-…, @rfc…), sorted:
	// what the specification covers.
	Sources []string
	// Notes say what the run could not cover, and why.
	Notes []string
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
	expr, err := ParseTagExpr(opts.Tags)
	if err != nil {
		return nil, err
	}
	supplied := opts.Target.Supplied != nil
	catalog, err := LoadCatalog(opts.Features)
	if err != nil {
		return nil, err
	}
	// The runner selects the cases itself (godog's own filter knows neither
	// Cucumber's syntax nor outline rows): godog gets the ids of the
	// selected scenarios and outlines, and the rows of an outline that were
	// not selected are skipped before they start, and not reported.
	selected := map[string]bool{}
	var ids []string
	for _, cs := range catalog.Select(expr) {
		selected[cs.ID] = true
		outline, _, _ := strings.Cut(cs.ID, "/")
		if len(ids) == 0 || ids[len(ids)-1] != "@"+outline {
			ids = append(ids, "@"+outline)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no scenario matched the tag expression %q", opts.Tags)
	}
	godogTags := strings.Join(ids, ",")
	var unselected sync.Map
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
		if _, ok := unselected.Load(p.Id); ok {
			return
		}
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
					if cs := catalog.Lookup(p); cs == nil || !selected[cs.ID] {
						unselected.Store(p.Id, true)
						return ctx, godog.ErrSkip
					}
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
				Tags:           andTag(godogTags, pass.tag),
				Concurrency:    pass.concurrency,
				Strict:         true,
				NoColors:       true,
				TestingT:       opts.TestingT,
				DefaultContext: ctx,
			},
		}
		suite.Run()
	}

	rep := &Report{Target: opts.Target.Kind, TargetURL: opts.Target.MCPURL, Tags: opts.Tags,
		Started: start, Duration: time.Since(start), Sources: catalog.Sources()}
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
	return rep, nil
}

// SkipAll reports every case the tag expression selects as skipped, with
// reason: a pass that could not run, shown in the report rather than left
// out of it.
func SkipAll(fsys fs.FS, kind, tags, reason string) (*Report, error) {
	if fsys == nil {
		fsys = features.FS
	}
	expr, err := ParseTagExpr(tags)
	if err != nil {
		return nil, err
	}
	catalog, err := LoadCatalog(fsys)
	if err != nil {
		return nil, err
	}
	rep := &Report{Target: kind, Tags: tags, Started: time.Now(), Sources: catalog.Sources()}
	for _, cs := range catalog.Select(expr) {
		rep.Results = append(rep.Results, Result{Case: *cs, Status: Skipped, Message: reason})
	}
	return rep, nil
}

// Merge joins the reports of one run's passes (one per key mode) into one,
// in scenario id order.
func Merge(reports ...*Report) *Report {
	if len(reports) == 1 {
		return reports[0]
	}
	out := &Report{}
	seen := map[string]bool{}
	for i, r := range reports {
		if i == 0 {
			out.Target, out.TargetURL, out.Started, out.Tags = r.Target, r.TargetURL, r.Started, r.Tags
		}
		out.Results = append(out.Results, r.Results...)
		out.Notes = append(out.Notes, r.Notes...)
		out.Duration += r.Duration
		for _, s := range r.Sources {
			if !seen[s] {
				seen[s] = true
				out.Sources = append(out.Sources, s)
			}
		}
	}
	sort.Strings(out.Sources)
	sort.SliceStable(out.Results, func(i, j int) bool { return idLess(out.Results[i].ID, out.Results[j].ID) })
	return out
}

// idLess orders scenario ids numerically: auth-2.10 after auth-2.9, and the
// rows of an outline by row.
func idLess(a, b string) bool {
	na, nb := idNumbers(a), idNumbers(b)
	for i := 0; i < len(na) && i < len(nb); i++ {
		if na[i] != nb[i] {
			return na[i] < nb[i]
		}
	}
	return len(na) < len(nb)
}

func idNumbers(id string) []int {
	var out []int
	for _, f := range strings.FieldsFunc(strings.TrimPrefix(id, "auth-"), func(r rune) bool { return r == '.' || r == '/' }) {
		n := 0
		fmt.Sscanf(f, "%d", &n)
		out = append(out, n)
	}
	return out
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
