package runner

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// MarkdownLimit bounds the Markdown report, so that it fits a CI job
// summary (GitHub's limit is 1 MiB per step; the report stays far below,
// readable on one page): details beyond it are cut, with a note.
const MarkdownLimit = 60 << 10

// maxDetail bounds one Expected, Actual or Error text in the Markdown report.
const maxDetail = 600

// WriteMarkdown writes a report a person reads: the verdict, the area ×
// level matrix, then each failure in a <details> block (those that fail the
// run first, then the baseline's and the advisory ones, then hardening
// advice), and the skip reasons.
func (r *Report) WriteMarkdown(w io.Writer, p Policy) error {
	var b bytes.Buffer
	version, rev := BuildVersion()
	fmt.Fprintf(&b, "# mcpauthspec report\n\n**%s**\n\n", mdEscape(r.VerdictLine(p)))
	fmt.Fprintf(&b, "Target: %s", r.Target)
	if r.TargetURL != "" {
		fmt.Fprintf(&b, " `%s`", r.TargetURL)
	}
	fmt.Fprintf(&b, ". mcpauthspec %s", version)
	if rev != "" {
		fmt.Fprintf(&b, " (%s)", rev)
	}
	fmt.Fprintf(&b, ", %s, %.1f s", r.Started.UTC().Format("2006-01-02 15:04 UTC"), r.Duration.Seconds())
	if r.Tags != "" {
		fmt.Fprintf(&b, ", tags `%s`", r.Tags)
	}
	b.WriteString(".\n\n")
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "> Note: %s\n\n", mdEscape(n))
	}
	b.WriteString("| area | MUST | SHOULD | MAY | HARDENING |\n|---|---|---|---|---|\n")
	for _, a := range r.areas() {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdEscape(a.Feature), cell(a.Levels[LevelMust]), cell(a.Levels[LevelShould]), cell(a.Levels[LevelMay]), cell(a.Levels[LevelHardening]))
	}
	b.WriteString("\nCells: passed/run, and skipped.\n")

	groups := []struct {
		title string
		keep  func(Result) bool
	}{
		{"Failures", func(res Result) bool { return p.Outcome(res) == OutcomeFailed }},
		{"Expected by the baseline", func(res Result) bool { return p.Outcome(res) == OutcomeBaseline }},
		{"Not met, not failing this run", func(res Result) bool {
			return p.Outcome(res) == OutcomeAdvisory && res.Level != LevelHardening
		}},
		{"Hardening advice", func(res Result) bool {
			return res.Level == LevelHardening && p.Outcome(res) == OutcomeAdvisory
		}},
	}
	cut := 0
	for _, g := range groups {
		var rs []Result
		for _, res := range r.Results {
			if g.keep(res) {
				rs = append(rs, res)
			}
		}
		if len(rs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s (%d)\n\n", g.title, len(rs))
		for _, res := range rs {
			var d bytes.Buffer
			fmt.Fprintf(&d, "<details><summary>%s [%s] %s</summary>\n\n", html.EscapeString(res.ID), strings.ToUpper(res.Level), html.EscapeString(res.Name))
			if p.Outcome(res) == OutcomeBaseline {
				fmt.Fprintf(&d, "- Baseline: %s\n", mdEscape(p.Baseline.Reason(res.ID)))
			}
			if rev := res.Revision; rev != "" {
				fmt.Fprintf(&d, "- Revision: %s\n", rev)
			}
			if res.Requirement != "" {
				fmt.Fprintf(&d, "- Requirement: %s\n", mdEscape(res.Requirement))
			}
			if res.Expected != "" {
				fmt.Fprintf(&d, "- Expected: %s\n- Actual: %s\n", mdCode(res.Expected), mdCode(res.Actual))
			} else {
				fmt.Fprintf(&d, "- Error: %s\n", mdCode(res.Message))
			}
			fmt.Fprintf(&d, "- File: `%s`\n\n</details>\n", res.File)
			if b.Len()+d.Len() > MarkdownLimit-2048 {
				cut++
				continue
			}
			b.Write(d.Bytes())
		}
	}
	if stale := p.Baseline.Stale(r); len(stale) > 0 {
		fmt.Fprintf(&b, "\n## Stale baseline entries (%d)\n\nListed as expected failures, but passed: remove them from the baseline.\n\n", len(stale))
		for _, id := range stale {
			fmt.Fprintf(&b, "- %s\n", id)
		}
	}
	// Skips, by reason: one line each.
	reasons := map[string][]string{}
	for _, res := range r.Results {
		if res.Status == Skipped {
			reasons[res.Message] = append(reasons[res.Message], res.ID)
		}
	}
	if len(reasons) > 0 {
		keys := make([]string, 0, len(reasons))
		for k := range reasons {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			return len(reasons[keys[i]]) > len(reasons[keys[j]]) || len(reasons[keys[i]]) == len(reasons[keys[j]]) && keys[i] < keys[j]
		})
		fmt.Fprintf(&b, "\n<details><summary>Skipped (%d)</summary>\n\n", r.Totals().Skipped)
		for _, k := range keys {
			ids := reasons[k]
			list := strings.Join(ids, ", ")
			if len(ids) > 12 {
				list = strings.Join(ids[:12], ", ") + fmt.Sprintf(" and %d more", len(ids)-12)
			}
			line := fmt.Sprintf("- %s: %s\n", mdEscape(truncate(k, 300)), list)
			if b.Len()+len(line) > MarkdownLimit-512 {
				cut++
				continue
			}
			b.WriteString(line)
		}
		b.WriteString("\n</details>\n")
	}
	if cut > 0 {
		fmt.Fprintf(&b, "\n%d entries left out to keep this report under %d KB; the JSON and JUnit reports have them all.\n", cut, MarkdownLimit>>10)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// truncate cuts s to at most n bytes, on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

// mdCode is s as inline code, cut to maxDetail bytes.
func mdCode(s string) string {
	s = strings.ReplaceAll(truncate(s, maxDetail), "\n", " ")
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + " " + s + " " + fence
}
