package runner

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
)

// Requirement levels, in report order. A scenario tagged "@may @hardening"
// (the suite's own advice, which no source requires) has the level
// "hardening": it is reported apart and fails a run only when asked
// (Policy.Hardening).
const (
	LevelMust      = "must"
	LevelShould    = "should"
	LevelMay       = "may"
	LevelHardening = "hardening"
)

// Levels are every level, in report order.
var Levels = []string{LevelMust, LevelShould, LevelMay, LevelHardening}

// Policy decides which failures fail a run.
type Policy struct {
	Strict    bool      // failed @should scenarios fail the run
	Hardening bool      // failed @hardening scenarios fail the run
	Baseline  *Baseline // expected failures, which never fail the run
}

// Outcomes of a result under a policy, as the reports show them.
const (
	OutcomePassed   = "passed"
	OutcomeSkipped  = "skipped"
	OutcomeFailed   = "failed"   // fails the run
	OutcomeBaseline = "baseline" // failed, as the baseline expects
	OutcomeAdvisory = "advisory" // failed, at a level that does not fail this run
)

// Outcome is what res means for the verdict.
func (p Policy) Outcome(res Result) string {
	switch res.Status {
	case Passed:
		return OutcomePassed
	case Failed:
	default:
		return OutcomeSkipped
	}
	if p.Baseline.Expects(res.ID) {
		return OutcomeBaseline
	}
	switch {
	case res.Level == LevelMust,
		res.Level == LevelShould && p.Strict,
		res.Level == LevelHardening && p.Hardening:
		return OutcomeFailed
	}
	return OutcomeAdvisory
}

// Failures returns the results that fail the run under p.
func (p Policy) Failures(r *Report) []Result {
	var out []Result
	for _, res := range r.Results {
		if p.Outcome(res) == OutcomeFailed {
			out = append(out, res)
		}
	}
	return out
}

// Passes is the verdict: no failure under p, and no stale baseline entry.
func (p Policy) Passes(r *Report) bool {
	return len(p.Failures(r)) == 0 && len(p.Baseline.Stale(r)) == 0
}

// Failures returns the failed results that decide the verdict: every failed
// @must, and failed @should when strict. Failures listed in the baseline are
// excluded. (Policy.Failures with Hardening decides @hardening too.)
func (r *Report) Failures(strict bool, baseline *Baseline) []Result {
	return Policy{Strict: strict, Baseline: baseline}.Failures(r)
}

// Counts tallies results by status.
type Counts struct {
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

func (c *Counts) add(status string) {
	switch status {
	case Passed:
		c.Passed++
	case Failed:
		c.Failed++
	default:
		c.Skipped++
	}
}

// Total is the number of results counted.
func (c Counts) Total() int { return c.Passed + c.Failed + c.Skipped }

// Totals counts every result.
func (r *Report) Totals() Counts {
	var c Counts
	for _, res := range r.Results {
		c.add(res.Status)
	}
	return c
}

// ByLevel counts the results of each level.
func (r *Report) ByLevel() map[string]Counts {
	out := map[string]Counts{}
	for _, l := range Levels {
		out[l] = Counts{}
	}
	for _, res := range r.Results {
		c := out[res.Level]
		c.add(res.Status)
		out[res.Level] = c
	}
	return out
}

// Summary is the closing line: "N passed, N failed" and ", N skipped" when
// any were.
func (c Counts) Summary() string {
	s := fmt.Sprintf("%d passed, %d failed", c.Passed, c.Failed)
	if c.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", c.Skipped)
	}
	return s
}

// VerdictLine is one line saying whether the run passes under p, and why
// not.
func (r *Report) VerdictLine(p Policy) string {
	fails := p.Failures(r)
	stale := p.Baseline.Stale(r)
	if len(fails) == 0 && len(stale) == 0 {
		what := "every @must met"
		if p.Strict {
			what += ", every @should met"
		}
		if p.Hardening {
			what += ", every @hardening met"
		}
		return "PASS: " + what + " (" + r.Totals().Summary() + ")"
	}
	byLevel := map[string]int{}
	for _, f := range fails {
		byLevel[f.Level]++
	}
	var parts []string
	for _, l := range Levels {
		if n := byLevel[l]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d @%s", n, l))
		}
	}
	if len(stale) > 0 {
		parts = append(parts, fmt.Sprintf("%d stale baseline entries", len(stale)))
	}
	return "FAIL: " + strings.Join(parts, ", ") + " (" + r.Totals().Summary() + ")"
}

// area is one feature of the matrix, with its counts per level.
type area struct {
	Feature string
	Levels  map[string]*Counts
}

// areas returns the feature × level matrix, in area order.
func (r *Report) areas() []area {
	var out []area
	index := map[string]int{}
	for _, res := range r.Results {
		i, ok := index[res.Feature]
		if !ok {
			i = len(out)
			index[res.Feature] = i
			a := area{Feature: res.Feature, Levels: map[string]*Counts{}}
			for _, l := range Levels {
				a.Levels[l] = &Counts{}
			}
			out = append(out, a)
		}
		if c := out[i].Levels[res.Level]; c != nil {
			c.add(res.Status)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return areaOf(out[i].Feature) < areaOf(out[j].Feature) })
	return out
}

// cell is one matrix cell: "passed/run", and the skipped ones.
func cell(c *Counts) string {
	if c.Total() == 0 {
		return "-"
	}
	s := fmt.Sprintf("%d/%d", c.Passed, c.Passed+c.Failed)
	if c.Skipped > 0 {
		s += fmt.Sprintf(" (%d skipped)", c.Skipped)
	}
	return s
}

// WriteText writes the feature × level matrix, every failure as
// Requirement / Expected / Actual (hardening advice in a section of its
// own), the verdict line and the closing count.
func (r *Report) WriteText(w io.Writer, p Policy) {
	if len(r.Revisions) > 0 {
		speaks := "not asked"
		if len(r.Speaks) > 0 {
			speaks = strings.Join(r.Speaks, ", ")
		}
		fmt.Fprintf(w, "MCP revisions: the target speaks %s; the suite ran on %s\n\n", speaks, strings.Join(r.Revisions, ", "))
	}
	ranOn := map[string]map[string]bool{} // feature → revisions its scenarios ran on
	for _, res := range r.Results {
		if ranOn[res.Feature] == nil {
			ranOn[res.Feature] = map[string]bool{}
		}
		ranOn[res.Feature][res.Revision] = true
	}
	revisionsOf := func(f string) string {
		var out []string
		for _, rev := range r.Revisions {
			if ranOn[f][rev] {
				out = append(out, rev)
			}
		}
		return strings.Join(out, " ")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "feature\tMUST\tSHOULD\tMAY\tHARDENING\tMCP\t")
	for _, a := range r.areas() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", a.Feature, cell(a.Levels[LevelMust]), cell(a.Levels[LevelShould]), cell(a.Levels[LevelMay]), cell(a.Levels[LevelHardening]), revisionsOf(a.Feature))
	}
	tw.Flush()

	var advice []Result
	for _, res := range r.Results {
		if res.Status != Failed {
			continue
		}
		if res.Level == LevelHardening && p.Outcome(res) != OutcomeFailed {
			advice = append(advice, res)
			continue
		}
		writeTextFailure(w, res, p)
	}
	if len(advice) > 0 {
		fmt.Fprintf(w, "\nHardening advice (the suite's own; fails the run only with --hardening):\n")
		for _, res := range advice {
			writeTextFailure(w, res, p)
		}
	}
	for _, id := range p.Baseline.Stale(r) {
		fmt.Fprintf(w, "\n✗ baseline: %s is listed as an expected failure but passed; remove it from the baseline\n", id)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", n)
	}
	fmt.Fprintf(w, "\n%s\n%s\n", r.VerdictLine(p), r.Totals().Summary())
	if r.Coverage != nil {
		fmt.Fprintln(w, r.Coverage.Line())
	}
}

func writeTextFailure(w io.Writer, res Result, p Policy) {
	note := ""
	switch p.Outcome(res) {
	case OutcomeBaseline:
		note = " (expected by the baseline: " + p.Baseline.Reason(res.ID) + ")"
	case OutcomeAdvisory:
		note = " (does not fail this run)"
	}
	mark := "✗"
	if p.Outcome(res) != OutcomeFailed {
		mark = "!"
	}
	fmt.Fprintf(w, "\n%s %s [%s] %s — %s%s\n", mark, res.ID, strings.ToUpper(res.Level), res.Name, res.File, note)
	if rev := res.Revision; rev != "" {
		fmt.Fprintf(w, "  Revision:    %s\n", rev)
	}
	if res.Requirement != "" {
		fmt.Fprintf(w, "  Requirement: %s\n", res.Requirement)
	}
	if res.Expected != "" {
		fmt.Fprintf(w, "  Expected:    %s\n  Actual:      %s\n", res.Expected, res.Actual)
	} else {
		fmt.Fprintf(w, "  Error:       %s\n", indent(res.Message))
	}
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n               ") }

func areaOf(feature string) int {
	var n int
	fmt.Sscanf(feature, "%d.", &n)
	return n
}

// revisionOf is the MCP protocol revision a result was run under, when the
// result records one (a Revision string field), else "".

// CheckWritable fails when a report could not be written to path: its
// directory is missing or not writable, or path is a directory. It leaves
// nothing behind, so that a run with a bad report path stops before the
// first scenario.
func CheckWritable(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("cannot write %s: %s is not a directory", path, dir)
	}
	f, err := os.CreateTemp(dir, ".mcpauthspec-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// WriteFile creates path and writes to it with write.
func WriteFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
