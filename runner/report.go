package runner

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
)

var levels = []string{"must", "should", "may"}

// Counts tallies results by status.
type Counts struct{ Passed, Failed, Skipped int }

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

// Totals counts every result.
func (r *Report) Totals() Counts {
	var c Counts
	for _, res := range r.Results {
		c.add(res.Status)
	}
	return c
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

// Failures returns the failed results that decide the verdict: every failed
// @must, and failed @should when strict. Failures listed in the baseline are
// excluded.
func (r *Report) Failures(strict bool, baseline *Baseline) []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Status != Failed || baseline.Expects(res.ID) {
			continue
		}
		if res.Level == "must" || (strict && res.Level == "should") {
			out = append(out, res)
		}
	}
	return out
}

// WriteText writes the feature × level matrix, every failure as
// Requirement / Expected / Actual, and the closing line.
func (r *Report) WriteText(w io.Writer, baseline *Baseline) {
	features := []string{}
	matrix := map[string]map[string]*Counts{}
	ranOn := map[string]map[string]bool{} // feature → revisions its scenarios ran on
	for _, res := range r.Results {
		if ranOn[res.Feature] == nil {
			ranOn[res.Feature] = map[string]bool{}
		}
		ranOn[res.Feature][res.Revision] = true
		if matrix[res.Feature] == nil {
			features = append(features, res.Feature)
			matrix[res.Feature] = map[string]*Counts{}
			for _, l := range levels {
				matrix[res.Feature][l] = &Counts{}
			}
		}
		matrix[res.Feature][res.Level].add(res.Status)
	}
	sort.SliceStable(features, func(i, j int) bool { return areaOf(features[i]) < areaOf(features[j]) })
	if len(r.Revisions) > 0 {
		speaks := "not asked"
		if len(r.Speaks) > 0 {
			speaks = strings.Join(r.Speaks, ", ")
		}
		fmt.Fprintf(w, "MCP revisions: the target speaks %s; the suite ran on %s\n\n", speaks, strings.Join(r.Revisions, ", "))
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
	fmt.Fprintln(tw, "feature\tMUST\tSHOULD\tMAY\tMCP\t")
	cell := func(c *Counts) string {
		if c.Passed+c.Failed+c.Skipped == 0 {
			return "-"
		}
		s := fmt.Sprintf("%d/%d", c.Passed, c.Passed+c.Failed)
		if c.Skipped > 0 {
			s += fmt.Sprintf(" (%d skipped)", c.Skipped)
		}
		return s
	}
	for _, f := range features {
		m := matrix[f]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", f, cell(m["must"]), cell(m["should"]), cell(m["may"]), revisionsOf(f))
	}
	tw.Flush()

	for _, res := range r.Results {
		if res.Status != Failed {
			continue
		}
		note := ""
		if baseline.Expects(res.ID) {
			note = " (expected by the baseline: " + baseline.Reason(res.ID) + ")"
		}
		on := ""
		if res.Revision != "" {
			on = " (MCP " + res.Revision + ")"
		}
		fmt.Fprintf(w, "\n✗ %s [%s] %s%s — %s%s\n", res.ID, strings.ToUpper(res.Level), res.Name, on, res.File, note)
		if res.Requirement != "" {
			fmt.Fprintf(w, "  Requirement: %s\n", res.Requirement)
		}
		if res.Expected != "" {
			fmt.Fprintf(w, "  Expected:    %s\n  Actual:      %s\n", res.Expected, res.Actual)
		} else {
			fmt.Fprintf(w, "  Error:       %s\n", indent(res.Message))
		}
	}
	for _, id := range baseline.Stale(r) {
		fmt.Fprintf(w, "\n✗ baseline: %s is listed as an expected failure but passed; remove it from the baseline\n", id)
	}
	fmt.Fprintf(w, "\n%s\n", r.Totals().Summary())
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n               ") }

func areaOf(feature string) int {
	var n int
	fmt.Sscanf(feature, "%d.", &n)
	return n
}

// WriteJSON writes one object per scenario.
func (r *Report) WriteJSON(w io.Writer) error {
	type row struct {
		ID       string   `json:"id"`
		Feature  string   `json:"feature"`
		Name     string   `json:"name"`
		Level    string   `json:"level"`
		Tags     []string `json:"tags"`
		Status   string   `json:"status"`
		Message  string   `json:"message,omitempty"`
		Expected string   `json:"expected,omitempty"`
		Actual   string   `json:"actual,omitempty"`
	}
	rows := make([]row, len(r.Results))
	for i, res := range r.Results {
		rows[i] = row{res.ID, res.Feature, res.Name, res.Level, res.Tags, res.Status, res.Message, res.Expected, res.Actual}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// WriteJUnit writes JUnit XML: one testsuite per feature, one testcase per
// scenario.
func (r *Report) WriteJUnit(w io.Writer) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type skipped struct {
		Message string `xml:"message,attr"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Skipped   *skipped `xml:"skipped,omitempty"`
	}
	type testsuite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Skipped  int        `xml:"skipped,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	type testsuites struct {
		XMLName xml.Name    `xml:"testsuites"`
		Name    string      `xml:"name,attr"`
		Suites  []testsuite `xml:"testsuite"`
	}
	out := testsuites{Name: "mcpauthspec"}
	index := map[string]int{}
	for _, res := range r.Results {
		i, ok := index[res.Feature]
		if !ok {
			i = len(out.Suites)
			index[res.Feature] = i
			out.Suites = append(out.Suites, testsuite{Name: res.Feature})
		}
		tc := testcase{Name: res.ID + " " + res.Name, Classname: res.Feature, Time: fmt.Sprintf("%.3f", res.Duration.Seconds())}
		s := &out.Suites[i]
		s.Tests++
		switch res.Status {
		case Failed:
			s.Failures++
			text := res.Message
			if res.Requirement != "" {
				text = "Requirement: " + res.Requirement + "\n" + text
			}
			tc.Failure = &failure{Message: strings.ToUpper(res.Level) + " " + res.ID, Text: text}
		case Skipped:
			s.Skipped++
			tc.Skipped = &skipped{Message: res.Message}
		}
		s.Cases = append(s.Cases, tc)
	}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	return enc.Encode(out)
}

// WriteMarkdown writes a report a person reads.
func (r *Report) WriteMarkdown(w io.Writer, baseline *Baseline) {
	c := r.Totals()
	fmt.Fprintf(w, "# mcpauthspec report\n\nTarget: %s. %s.\n\n", r.Target, c.Summary())
	fmt.Fprintln(w, "| ID | level | scenario | status | detail |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, res := range r.Results {
		detail := res.Message
		if res.Expected != "" {
			detail = "expected " + res.Expected + "; actual " + res.Actual
		}
		if res.Status == Failed && baseline.Expects(res.ID) {
			detail = "baseline: " + baseline.Reason(res.ID) + ". " + detail
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", res.ID, res.Level, mdEscape(res.Name), res.Status, mdEscape(detail))
	}
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
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
