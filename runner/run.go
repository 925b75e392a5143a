package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
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
	revisions, speaks, err := resolveRevisions(ctx, env, opts)
	if err != nil {
		return nil, err
	}
	var revision string // the revision of the pass running

	var mu sync.Mutex
	results := map[string]Result{}
	starts := sync.Map{}
	record := func(ctx context.Context, p *godog.Scenario, err error) {
		if _, ok := unselected.Load(p.Id); ok {
			return
		}
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
		Started: start, Duration: time.Since(start), Sources: catalog.Sources(),
		Speaks: speaks, Revisions: revisions}
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
		out.Speaks = union(out.Speaks, r.Speaks)
		out.Revisions = union(out.Revisions, r.Revisions)
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

// union is a followed by the members of b it lacks, in order.
func union(a, b []string) []string {
	for _, v := range b {
		if !slices.Contains(a, v) {
			a = append(a, v)
		}
	}
	return a
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
