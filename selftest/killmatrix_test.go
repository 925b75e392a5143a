package selftest

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpauthspec/mcpauthspec/features"
	"github.com/mcpauthspec/mcpauthspec/harness"
	"github.com/mcpauthspec/mcpauthspec/runner"
	"github.com/mcpauthspec/mcpauthspec/steps"
)

var update = flag.Bool("update", false, "rewrite docs/kill-matrix.md from this run")

// matrixFile is the committed kill matrix, relative to this package.
var matrixFile = filepath.Join("..", "docs", "kill-matrix.md")

const updateCommand = "go test ./selftest -run TestKillMatrix -update"

// outcome is what one run of the specification against one variant gave.
type outcome struct {
	failed  []string // case IDs, in specification order
	skipped []string
	total   int
	err     error
	took    time.Duration
	slowest string // the slowest scenario and its time, for the log
}

func (o outcome) summary() string {
	if o.err != nil {
		return o.err.Error()
	}
	text := fmt.Sprintf("%d ran, failed [%s]", o.total, compress(o.failed))
	if len(o.skipped) > 0 {
		text += fmt.Sprintf(", skipped [%s]", compress(o.skipped))
	}
	return text
}

// sameAs reports whether o and p give the variant the same matrix entry.
func (o outcome) sameAs(v variant, p outcome) bool {
	if o.err != nil || p.err != nil || len(o.skipped)+len(p.skipped) > 0 {
		return false
	}
	if v.mutant == nil {
		return len(o.failed) == 0 && len(p.failed) == 0
	}
	return v.mutant.row(o.failed) == v.mutant.row(p.failed)
}

// intersect keeps what two runs of one variant agree on.
func (o outcome) intersect(p outcome) outcome {
	if o.err != nil {
		return o
	}
	if p.err != nil {
		return p
	}
	both := func(a, b []string) []string {
		return slices.DeleteFunc(slices.Clone(a), func(id string) bool { return !slices.Contains(b, id) })
	}
	o.failed, o.skipped = both(o.failed, p.failed), both(o.skipped, p.skipped)
	return o
}

// loadCalls is the size of the load scenarios in the self-test: enough for
// them to catch cross-talk whenever a stack runs alone (see mutant
// global-caller), a seventh of the suite's default so that seventy runs
// stay fast.
const loadCalls = 300

// runVariant starts the variant's stack and runs the scenarios selected by
// tags (all when empty) against it.
//
// Scenarios run one at a time so that the outcome does not depend on
// scheduling: a mutant that caches across users fails the same scenarios
// every time, and the matrix can be compared with the committed one.
// Variants run side by side instead (runAll), all in this process, so none
// of them may take the process's goroutines and heap for its own: the
// memory checks of the load and limit scenarios are left to the root test,
// which runs the pristine stack alone.
func runVariant(ctx context.Context, opts harness.EmbeddedOptions, tags string) outcome {
	target, err := harness.StartEmbedded(ctx, opts)
	if target != nil {
		defer target.Close()
	}
	if err != nil {
		return outcome{err: err}
	}
	target.InProcess = false
	start := time.Now()
	rep, err := runner.Run(ctx, runner.Options{Target: target, Tags: tags, Concurrency: 1, LoadCalls: loadCalls, Revisions: selftestRevisions})
	if err != nil {
		return outcome{err: err}
	}
	o := outcome{took: time.Since(start)}
	var slowest time.Duration
	// A case counts once, whatever the revisions it ran on; it fails (or
	// is skipped) when it did on any of them.
	seen := map[string]bool{}
	for _, r := range rep.Results {
		if !seen[r.ID] {
			seen[r.ID] = true
			o.total++
		}
		if seen[r.Status+" "+r.ID] {
			continue
		}
		seen[r.Status+" "+r.ID] = true
		if r.Duration > slowest {
			slowest, o.slowest = r.Duration, fmt.Sprintf("%s %v", r.ID, r.Duration.Round(time.Millisecond))
		}
		switch r.Status {
		case runner.Failed:
			o.failed = append(o.failed, r.ID)
		case runner.Skipped:
			// A check of a refusal's shape skips when the flaw removed the
			// refusal itself; another scenario gives that verdict.
			if !strings.HasPrefix(r.Message, steps.NoRefusalToJudge) {
				o.skipped = append(o.skipped, r.ID)
			}
		}
	}
	return o
}

// selftestRevisions are the wires every variant is run on: the stateless
// one and a session one. 2025-11-25 is left out: on the wire it differs
// from 2025-06-18 only in the revision initialize announces, and a third
// run of seventy variants would cost the self-test half its time again.
var selftestRevisions = []string{harness.Revision20260728, harness.Revision20250618}

// variant is a pristine stack or a mutant, ready to run.
type variant struct {
	name    string
	mutant  *mutant // nil for a pristine stack
	options func() harness.EmbeddedOptions
	tags    string // "" for the whole specification of the variant's key mode
}

// pristines are the reference server in each key mode: the shared secret
// (HS256) and the issuer's JWKS (RS256, ES256), which runs the @jwks
// scenarios instead of the others (runner.DefaultTags).
var pristines = []variant{
	{name: "pristine", options: func() harness.EmbeddedOptions { return harness.EmbeddedOptions{} }},
	{name: "pristine-jwks", options: func() harness.EmbeddedOptions { return harness.EmbeddedOptions{JWKS: true} }},
}

// runAll runs every variant, several at a time: each run spends most of
// its time waiting (backend timeouts, one scenario at a time), so more runs
// than cores keep the cores busy.
func runAll(ctx context.Context, vs []variant) map[string]outcome {
	out := make(map[string]outcome, len(vs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 6*runtime.GOMAXPROCS(0))
	for _, v := range vs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			o := runVariant(ctx, v.options(), v.tags)
			mu.Lock()
			out[v.name] = o
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// TestKillMatrix is the suite's self-test: the pristine reference server
// passes every scenario, every mutant fails at least one, its named killers
// among them, and every @must scenario kills a mutant or is a listed
// positive check. The kill matrix of the run must equal docs/kill-matrix.md
// (or, with -update, replaces it).
func TestKillMatrix(t *testing.T) {
	catalog, err := runner.LoadCatalog(features.FS)
	if err != nil {
		t.Fatal(err)
	}
	checkCatalogue(t, catalog)
	if t.Failed() {
		return
	}
	if testing.Short() {
		shortKillCheck(t)
		return
	}

	// Seventy stacks allocate a lot and keep little: collecting less often
	// saves a sixth of the CPU, for memory this machine has.
	defer debug.SetGCPercent(debug.SetGCPercent(400))

	ctx := context.Background()
	start := time.Now()
	vs := slices.Clone(pristines)
	for i := range mutants {
		vs = append(vs, variant{name: mutants[i].name, mutant: &mutants[i], options: mutants[i].options})
	}
	results := runAll(ctx, vs)

	// A run may differ from the committed matrix because of the machine,
	// not the code: scenarios with a time limit, a backend timeout or a load
	// can fail when dozens of stacks share two cores. A variant whose
	// outcome differs from the committed one runs again alone, where only
	// real differences remain. With -update, the alone run counts when it
	// agrees with the first one; otherwise a second alone run decides what
	// both alone runs share, so that a slow moment is never committed.
	committed, _ := os.ReadFile(matrixFile)
	for _, v := range vs {
		o := results[v.name]
		if expected(v, o, committed) {
			continue
		}
		t.Logf("%s: %s differs from %s; running it alone", v.name, o.summary(), matrixFile)
		if *update {
			a := runVariant(ctx, v.options(), "")
			if !a.sameAs(v, o) {
				a = a.intersect(runVariant(ctx, v.options(), ""))
			}
			results[v.name] = a
			continue
		}
		for range 2 {
			if o = runVariant(ctx, v.options(), ""); expected(v, o, committed) {
				break
			}
			t.Logf("%s alone: %s", v.name, o.summary())
		}
		results[v.name] = o
	}
	t.Logf("%d pristine stacks and %d mutants ran in %v", len(pristines), len(mutants), time.Since(start).Round(100*time.Millisecond))
	slowest := slices.Clone(vs)
	slices.SortFunc(slowest, func(a, b variant) int { return int(results[b.name].took - results[a.name].took) })
	for _, v := range slowest[:min(5, len(slowest))] {
		o := results[v.name]
		t.Logf("  slow: %s %v (its slowest scenario: %s)", v.name, o.took.Round(100*time.Millisecond), o.slowest)
	}

	m := buildMatrix(catalog, results)
	m.check(t)

	fresh := m.render()
	switch {
	case *update:
		if err := os.WriteFile(matrixFile, fresh, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", matrixFile)
	case !bytes.Equal(fresh, committed):
		t.Errorf("%s is out of date; regenerate it with\n\t%s\nfirst difference:\n%s", matrixFile, updateCommand, firstDifference(committed, fresh))
	}
}

// expected reports whether o is what the committed matrix says for v: no
// failure for a pristine stack, the committed row for a mutant.
func expected(v variant, o outcome, committed []byte) bool {
	if o.err != nil || len(o.skipped) > 0 {
		return false
	}
	if v.mutant == nil {
		return len(o.failed) == 0
	}
	return bytes.Contains(committed, []byte(v.mutant.row(o.failed)))
}

// checkCatalogue checks the mutants and positive checks against the
// specification before anything runs: unique names, killers that exist and
// are not left to scheduling, positive checks that name @must scenarios.
func checkCatalogue(t *testing.T, catalog *runner.Catalog) {
	t.Helper()
	cases := map[string]*runner.Case{}
	outlines := map[string][]*runner.Case{}
	for _, c := range catalog.Cases {
		cases[c.ID] = c
		base, _, _ := strings.Cut(c.ID, "/")
		outlines[base] = append(outlines[base], c)
	}
	seen := map[string]bool{}
	for _, p := range pristines {
		seen[p.name] = true
	}
	for _, m := range mutants {
		if seen[m.name] {
			t.Errorf("mutant %s is defined twice", m.name)
		}
		seen[m.name] = true
		if m.flaw == "" || len(m.killers) == 0 {
			t.Errorf("mutant %s needs a flaw and at least one named killer", m.name)
		}
		for _, k := range append(slices.Clone(m.killers), m.racy...) {
			if cases[k] == nil {
				t.Errorf("mutant %s names %s, which is not a scenario of the specification", m.name, k)
			}
		}
		for _, k := range m.killers {
			if slices.Contains(m.racy, k) {
				t.Errorf("mutant %s names %s both as a killer and as racy", m.name, k)
			}
		}
	}
	for kind, list := range map[string]map[string]string{"positive check": positiveChecks, "defence in depth": defenceInDepth} {
		for id, reason := range list {
			if reason == "" {
				t.Errorf("%s %s needs a reason", kind, id)
			}
			group := outlines[id]
			if c := cases[id]; c != nil {
				group = []*runner.Case{c}
			}
			if !slices.ContainsFunc(group, func(c *runner.Case) bool { return c.Level == "must" }) {
				t.Errorf("%s %s is stale: no @must scenario has that ID", kind, id)
			}
			if _, both := positiveChecks[id]; both && kind != "positive check" {
				t.Errorf("%s is listed both as a positive check and as defence in depth", id)
			}
		}
	}
}

// shortKillCheck runs each mutant against the outlines of its named killers
// only, and checks that they fail.
func shortKillCheck(t *testing.T) {
	var vs []variant
	for i := range mutants {
		m := &mutants[i]
		var tags []string
		for _, k := range m.killers {
			base, _, _ := strings.Cut(k, "/")
			if tag := "@" + base; !slices.Contains(tags, tag) {
				tags = append(tags, tag)
			}
		}
		// godog's tag expressions: a comma is "or".
		vs = append(vs, variant{name: m.name, mutant: m, options: m.options, tags: strings.Join(tags, ",")})
	}
	results := runAll(context.Background(), vs)
	for _, m := range mutants {
		o := results[m.name]
		if o.err != nil {
			t.Errorf("mutant %s: %v", m.name, o.err)
			continue
		}
		if missed := m.missed(o.failed); len(missed) > 0 {
			t.Errorf("mutant %s survived its named killers %s", m.name, strings.Join(missed, ", "))
		}
	}
}

// missed returns the named killers that did not fail.
func (m *mutant) missed(failed []string) []string {
	var out []string
	for _, k := range m.killers {
		if !slices.Contains(failed, k) {
			out = append(out, k)
		}
	}
	return out
}

// kills is the part of a failing set that does not depend on scheduling:
// without the mutant's racy scenarios.
func (m *mutant) kills(failed []string) []string {
	return slices.DeleteFunc(slices.Clone(failed), func(id string) bool { return slices.Contains(m.racy, id) })
}

// jwksCase reports whether c runs in JWKS mode (runner.DefaultTags).
func jwksCase(c *runner.Case) bool { return slices.Contains(c.Tags, "@jwks") }

// matrix is the outcome of a full run, ready to check and to render.
type matrix struct {
	catalog *runner.Catalog
	results map[string]outcome
	// killedBy maps a case ID to the mutants it kills, in catalogue order.
	killedBy map[string][]string
}

func buildMatrix(catalog *runner.Catalog, results map[string]outcome) *matrix {
	m := &matrix{catalog: catalog, results: results, killedBy: map[string][]string{}}
	for i := range mutants {
		mu := &mutants[i]
		for _, id := range mu.kills(results[mu.name].failed) {
			m.killedBy[id] = append(m.killedBy[id], mu.name)
		}
	}
	return m
}

func (m *matrix) check(t *testing.T) {
	t.Helper()
	for _, p := range pristines {
		jwks := p.options().JWKS
		want := 0
		for _, c := range m.catalog.Cases {
			if jwksCase(c) == jwks {
				want++
			}
		}
		o := m.results[p.name]
		switch {
		case o.err != nil:
			t.Errorf("%s: %v", p.name, o.err)
		case len(o.failed) > 0 || len(o.skipped) > 0 || o.total != want:
			t.Errorf("%s: the reference server must pass all %d scenarios of its key mode: %d ran, failed %s, skipped %s",
				p.name, want, o.total, compress(o.failed), compress(o.skipped))
		}
	}
	for i := range mutants {
		mu := &mutants[i]
		o := m.results[mu.name]
		kills := mu.kills(o.failed)
		switch {
		case o.err != nil:
			t.Errorf("mutant %s: %v", mu.name, o.err)
		case len(o.skipped) > 0:
			t.Errorf("mutant %s: scenarios were skipped, which the embedded stack never needs: %s", mu.name, compress(o.skipped))
		case len(kills) == 0:
			t.Errorf("mutant %s survived the whole specification: the suite has a hole (%s)", mu.name, mu.flaw)
		default:
			if missed := mu.missed(kills); len(missed) > 0 {
				t.Errorf("mutant %s survived its named killers %s (it failed %s)", mu.name, strings.Join(missed, ", "), compress(o.failed))
			}
		}
	}
	for _, c := range m.catalog.Cases {
		if c.Level == "must" && len(m.killedBy[c.ID]) == 0 && keptAs(c.ID) == "" {
			t.Errorf("@must scenario %s (%s) kills no mutant and is not listed: add a mutant it catches, or list it with a reason in positiveChecks (it guards against false refusals) or defenceInDepth", c.ID, c.Name)
		}
	}
}

// keptAs says why a case is kept though it may kill no mutant: "positive
// check: ..." or "defence in depth: ...", by its own ID or its outline's;
// "" when it is listed in neither.
func keptAs(id string) string {
	base, _, _ := strings.Cut(id, "/")
	for _, k := range []struct {
		kind string
		list map[string]string
	}{{"positive check", positiveChecks}, {"defence in depth", defenceInDepth}} {
		for _, key := range []string{id, base} {
			if r, ok := k.list[key]; ok {
				return k.kind + ": " + r
			}
		}
	}
	return ""
}

// row is the mutant's line of the matrix for a failing set. Racy scenarios
// are named from the catalogue, never from the run, so that the line does
// not depend on scheduling.
func (mu *mutant) row(failed []string) string {
	kills := mu.kills(failed)
	text := fmt.Sprintf("%d: %s", len(kills), compress(kills))
	if len(mu.racy) > 0 {
		text += "; under some schedules also " + compress(mu.racy)
	}
	return fmt.Sprintf("| `%s` | %s | %s | %s |", mu.name, cell(mu.flaw), strings.Join(mu.killers, ", "), text)
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func (m *matrix) render() []byte {
	var b bytes.Buffer
	var musts, killing, positives, deep int
	for _, c := range m.catalog.Cases {
		if c.Level != "must" {
			continue
		}
		musts++
		kept := keptAs(c.ID)
		switch {
		case len(m.killedBy[c.ID]) > 0:
			killing++
		case strings.HasPrefix(kept, "positive"):
			positives++
		case kept != "":
			deep++
		}
	}
	killed := 0
	for i := range mutants {
		if len(mutants[i].kills(m.results[mutants[i].name].failed)) > 0 {
			killed++
		}
	}
	accounted := killing + positives + deep

	fmt.Fprintf(&b, "# Kill matrix\n\n")
	fmt.Fprintf(&b, "<!-- Generated by `%s`; do not edit. `go test ./...` fails when this file differs from a fresh run. -->\n\n", updateCommand)
	fmt.Fprintf(&b, "Each mutant is the reference server with one realistic flaw, built in `selftest/` from the server's seams; ")
	fmt.Fprintf(&b, "a mutant is killed when at least one scenario fails against it. ")
	fmt.Fprintf(&b, "The pristine reference server passes all %d scenarios: those of its shared-secret mode, and the `@jwks` ones with a JWKS. ", len(m.catalog.Cases))
	fmt.Fprintf(&b, "Scenarios run one at a time, so that a mutant fails the same ones in every run; ")
	fmt.Fprintf(&b, "the load scenarios make %d calls, and the memory checks are left to the root test, which runs the pristine stack alone.\n\n", loadCalls)
	fmt.Fprintf(&b, "**Mutants killed: %d of %d.** ", killed, len(mutants))
	fmt.Fprintf(&b, "**@must scenarios accounted for: %d of %d**: %d kill at least one mutant, %d more are positive checks, %d more are defence in depth.\n\n", accounted, musts, killing, positives, deep)

	fmt.Fprintf(&b, "## Mutants\n\n")
	fmt.Fprintf(&b, "Outline rows are written `auth-2.4/1-3,5`: rows 1 to 3 and 5 of outline auth-2.4.\n\n")
	fmt.Fprintf(&b, "| Mutant | Flaw | Named killers | Failing scenarios |\n|---|---|---|---|\n")
	for i := range mutants {
		mu := &mutants[i]
		fmt.Fprintln(&b, mu.row(m.results[mu.name].failed))
	}

	fmt.Fprintf(&b, "\n## @must scenarios\n\n")
	fmt.Fprintf(&b, "A positive check guards against false refusals: it passes when a valid request is served, so only a mutant that refuses too much can fail it. ")
	fmt.Fprintf(&b, "Defence in depth is a check that another layer (net/http, the backend) makes impossible to fail by a single flaw of the reference server; it stays for targets that lack that layer. ")
	fmt.Fprintf(&b, "Both lists are in `selftest/positives_test.go`.\n\n")
	fmt.Fprintf(&b, "| Scenario | Kills | Kept as |\n|---|---|---|\n")
	for _, c := range m.catalog.Cases {
		if c.Level != "must" {
			continue
		}
		kills := make([]string, len(m.killedBy[c.ID]))
		for i, n := range m.killedBy[c.ID] {
			kills[i] = "`" + n + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.ID, strings.Join(kills, ", "), cell(keptAs(c.ID)))
	}
	return b.Bytes()
}

// compress writes case IDs with the rows of one outline joined:
// auth-2.4/1, auth-2.4/2, auth-2.4/3, auth-2.4/5 → auth-2.4/1-3,5.
func compress(ids []string) string {
	var out []string
	for i := 0; i < len(ids); {
		base, _, isRow := strings.Cut(ids[i], "/")
		if !isRow {
			out = append(out, ids[i])
			i++
			continue
		}
		var rows []int
		for ; i < len(ids); i++ {
			b, r, ok := strings.Cut(ids[i], "/")
			n, err := strconv.Atoi(r)
			if !ok || b != base || err != nil {
				break
			}
			rows = append(rows, n)
		}
		if len(rows) == 0 { // a malformed row number: keep it as it is
			out = append(out, ids[i])
			i++
			continue
		}
		var parts []string
		for j := 0; j < len(rows); {
			k := j
			for k+1 < len(rows) && rows[k+1] == rows[k]+1 {
				k++
			}
			if k > j {
				parts = append(parts, fmt.Sprintf("%d-%d", rows[j], rows[k]))
			} else {
				parts = append(parts, strconv.Itoa(rows[j]))
			}
			j = k + 1
		}
		out = append(out, base+"/"+strings.Join(parts, ","))
	}
	return strings.Join(out, ", ")
}

// firstDifference shows the first differing line of the two matrices.
func firstDifference(old, fresh []byte) string {
	a, b := strings.Split(string(old), "\n"), strings.Split(string(fresh), "\n")
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("line %d\n  committed: %s\n  this run:  %s", i+1, x, y)
		}
	}
	return "(none)"
}
