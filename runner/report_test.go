package runner

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// sampleReport has one result of every kind: a passed and a failed @must, a
// failed @must the baseline expects, a failed @should, a failed @may, a
// failed @hardening, a skipped one.
func sampleReport(t *testing.T) (*Report, *Baseline) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "b.yaml")
	os.WriteFile(path, []byte("expected_failures:\n  - id: auth-2.1\n    reason: known & tracked <SEC-1>\n"), 0o600)
	b, err := LoadBaseline(path)
	if err != nil {
		t.Fatal(err)
	}
	feat := "1. Credentials and header syntax"
	r := &Report{Target: "embedded", TargetURL: "http://127.0.0.1:1/mcp", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Duration: 1500 * time.Millisecond,
		Sources: []string{"@mcp-2025-06-18", "@rfc6750"},
		Results: []Result{
			{Case: Case{ID: "auth-1.1", Feature: feat, Level: LevelMust, Name: "ok", Requirement: "req 1.1", File: "features/01.feature"}, Status: Passed, Duration: time.Millisecond},
			{Case: Case{ID: "auth-1.2", Feature: feat, Level: LevelMust, Name: "broken", Requirement: `RFC 6750 §3: "MUST" <refuse>`, File: "features/01.feature"}, Status: Failed, Expected: "HTTP 401", Actual: "HTTP 200"},
			{Case: Case{ID: "auth-2.1", Feature: "2. Token integrity", Level: LevelMust, Name: "known", Requirement: "req 2.1"}, Status: Failed, Message: "boom"},
			{Case: Case{ID: "auth-2.2", Feature: "2. Token integrity", Level: LevelShould, Name: "should", Requirement: "req 2.2"}, Status: Failed, Message: "meh"},
			{Case: Case{ID: "auth-2.3", Feature: "2. Token integrity", Level: LevelMay, Name: "may", Requirement: "req 2.3"}, Status: Failed, Message: "optional"},
			{Case: Case{ID: "auth-13.9", Feature: "13. Load and limits", Level: LevelHardening, Name: "harden", Requirement: "advice"}, Status: Failed, Message: "slow"},
			{Case: Case{ID: "auth-5.1", Feature: "5. Discovery", Level: LevelShould, Name: "skip"}, Status: Skipped, Message: "needs logs"},
		}}
	return r, b
}

func TestPolicyOutcomes(t *testing.T) {
	r, b := sampleReport(t)
	outcomes := func(p Policy) map[string]string {
		m := map[string]string{}
		for _, res := range r.Results {
			m[res.ID] = p.Outcome(res)
		}
		return m
	}
	want := map[string]string{"auth-1.1": "passed", "auth-1.2": "failed", "auth-2.1": "baseline", "auth-2.2": "advisory",
		"auth-2.3": "advisory", "auth-13.9": "advisory", "auth-5.1": "skipped"}
	if diff := cmp.Diff(want, outcomes(Policy{Baseline: b})); diff != "" {
		t.Errorf("default policy (-want +got):\n%s", diff)
	}
	want["auth-2.2"], want["auth-13.9"] = "failed", "failed"
	if diff := cmp.Diff(want, outcomes(Policy{Baseline: b, Strict: true, Hardening: true})); diff != "" {
		t.Errorf("strict, hardening (-want +got):\n%s", diff)
	}
	// Only @hardening failures: pass, unless --hardening.
	h := &Report{Results: []Result{r.Results[0], r.Results[5]}}
	if !(Policy{}).Passes(h) || (Policy{Hardening: true}).Passes(h) {
		t.Error("a @hardening failure must fail the run only with Hardening")
	}
	s := &Report{Results: []Result{r.Results[0], r.Results[3]}}
	if !(Policy{}).Passes(s) || (Policy{Strict: true}).Passes(s) {
		t.Error("a @should failure must fail the run only with Strict")
	}
	if got := r.VerdictLine(Policy{Baseline: b}); !strings.HasPrefix(got, "FAIL: 1 @must (") {
		t.Errorf("verdict %q", got)
	}
}

func TestCatalogHardeningLevel(t *testing.T) {
	text := "Feature: 13. X\n\n  # Requirement: advice\n  @may @hardening @auth-13.1 @rfc8725\n  Scenario: a\n    Given no credentials\n"
	c, err := LoadCatalog(fstest.MapFS{"13_x.feature": {Data: []byte(text)}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Cases[0].Level != LevelHardening {
		t.Errorf("level %q, want hardening", c.Cases[0].Level)
	}
	bad := strings.Replace(text, "@may", "@must", 1)
	if _, err := LoadCatalog(fstest.MapFS{"13_x.feature": {Data: []byte(bad)}}); err == nil || !strings.Contains(err.Error(), "@hardening goes with @may") {
		t.Errorf("@must @hardening: %v", err)
	}
}

// TestJUnitAgreesWithTheVerdict: valid against Jenkins' junit-10.xsd, the
// attributes CI tools read, and a <failure> exactly for each failure that
// fails the run.
func TestJUnitAgreesWithTheVerdict(t *testing.T) {
	r, b := sampleReport(t)
	for _, p := range []Policy{{Baseline: b}, {Baseline: b, Strict: true, Hardening: true}} {
		var buf bytes.Buffer
		if err := r.WriteJUnit(&buf, p); err != nil {
			t.Fatal(err)
		}
		validateJUnit(t, buf.Bytes())
		var doc struct {
			Failures int  `xml:"failures,attr"`
			Errors   *int `xml:"errors,attr"`
			Suites   []struct {
				Name      string  `xml:"name,attr"`
				Tests     int     `xml:"tests,attr"`
				Failures  int     `xml:"failures,attr"`
				Errors    *int    `xml:"errors,attr"`
				Time      *string `xml:"time,attr"`
				Timestamp string  `xml:"timestamp,attr"`
				Cases     []struct {
					Name      string `xml:"name,attr"`
					Classname string `xml:"classname,attr"`
					Time      string `xml:"time,attr"`
					Failure   *struct {
						Message string `xml:"message,attr"`
					} `xml:"failure"`
					Skipped *struct {
						Message string `xml:"message,attr"`
					} `xml:"skipped"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Errors == nil {
			t.Error("testsuites has no errors attribute")
		}
		failed := map[string]string{}
		skipped := map[string]string{}
		for _, s := range doc.Suites {
			if s.Errors == nil || s.Time == nil || s.Timestamp != "2026-01-02T03:04:05" {
				t.Errorf("suite %q lacks errors, time or timestamp", s.Name)
			}
			for _, c := range s.Cases {
				id, _, _ := strings.Cut(c.Name, " ")
				if strings.Count(c.Classname, ".") != 1 || !strings.HasPrefix(c.Classname, "auth.") || c.Time == "" {
					t.Errorf("%s: classname %q, time %q", id, c.Classname, c.Time)
				}
				if c.Failure != nil {
					failed[id] = c.Failure.Message
				}
				if c.Skipped != nil {
					skipped[id] = c.Skipped.Message
				}
			}
		}
		want := map[string]bool{}
		for _, f := range p.Failures(r) {
			want[f.ID] = true
			if !strings.Contains(failed[f.ID], f.Requirement) {
				t.Errorf("%s: failure message %q lacks the requirement", f.ID, failed[f.ID])
			}
		}
		if len(failed) != len(want) || doc.Failures != len(want) {
			t.Errorf("failures %v (total %d), want exactly %v", failed, doc.Failures, want)
		}
		if got := skipped["auth-2.1"]; got != "baseline: known & tracked <SEC-1>" {
			t.Errorf("baseline failure as %q", got)
		}
		if !p.Strict && !strings.HasPrefix(skipped["auth-2.2"], "advisory: SHOULD") {
			t.Errorf("@should failure without --strict as %q", skipped["auth-2.2"])
		}
	}
	if got := JUnitClassname("1. Credentials and header syntax"); got != "auth.credentials_and_header_syntax" {
		t.Errorf("classname %q", got)
	}
}

// validateJUnit checks data against testdata/junit-10.xsd with xmllint
// (Debian's libxml2-utils). Without xmllint the check is skipped, unless
// MCPAUTHSPEC_REQUIRE_XMLLINT is set (CI sets it).
func validateJUnit(t *testing.T, data []byte) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		if os.Getenv("MCPAUTHSPEC_REQUIRE_XMLLINT") != "" {
			t.Fatal("xmllint not found (install libxml2-utils)")
		}
		t.Log("xmllint not found: JUnit schema validation skipped")
		return
	}
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--schema", "testdata/junit-10.xsd", path).CombinedOutput()
	if err != nil {
		t.Errorf("JUnit report invalid against junit-10.xsd: %v\n%s", err, out)
	}
}

func TestJSONEnvelope(t *testing.T) {
	r, b := sampleReport(t)
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf, Policy{Baseline: b}); err != nil {
		t.Fatal(err)
	}
	var got JSONReport
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Tool.Name != "mcpauthspec" || got.Tool.Version == "" || got.Verdict != "fail" || got.Target.Kind != "embedded" ||
		got.DurationMS != 1500 || len(got.Results) != len(r.Results) {
		t.Errorf("envelope %+v", got)
	}
	if diff := cmp.Diff([]string{"2025-06-18"}, got.MCPRevisions); diff != "" {
		t.Errorf("revisions: %s", diff)
	}
	if c := got.Totals["must"]; c != (Counts{Passed: 1, Failed: 2}) {
		t.Errorf("must totals %+v", c)
	}
	if c := got.Totals["hardening"]; c != (Counts{Failed: 1}) {
		t.Errorf("hardening totals %+v", c)
	}
	if got.Results[1].Requirement == "" || got.Results[2].Outcome != "baseline" {
		t.Errorf("results %+v", got.Results[:3])
	}
}

func TestMarkdownVerdictFirstAndBounded(t *testing.T) {
	r, b := sampleReport(t)
	var buf bytes.Buffer
	if err := r.WriteMarkdown(&buf, Policy{Baseline: b}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	verdict, matrix, failures, hardening := strings.Index(md, "**FAIL: 1 @must"), strings.Index(md, "| area | MUST | SHOULD | MAY | HARDENING |"),
		strings.Index(md, "## Failures (1)"), strings.Index(md, "## Hardening advice (1)")
	if verdict < 0 || matrix < verdict || failures < matrix || hardening < failures || !strings.Contains(md, "<details><summary>auth-1.2 [MUST]") {
		t.Errorf("order: verdict %d, matrix %d, failures %d, hardening %d\n%s", verdict, matrix, failures, hardening, md)
	}
	// A run with every one of 3000 scenarios failing with a long message
	// still fits.
	big := &Report{Target: "embedded"}
	for i := range 3000 {
		big.Results = append(big.Results, Result{Case: Case{ID: fmt.Sprintf("auth-%d.%d", i%16+1, i), Feature: fmt.Sprintf("%d. Area", i%16+1), Level: LevelMust, Name: strings.Repeat("n", 100), Requirement: strings.Repeat("r", 300)},
			Status: Failed, Expected: strings.Repeat("e", 2000), Actual: strings.Repeat("a", 5000)})
		big.Results = append(big.Results, Result{Case: Case{ID: fmt.Sprintf("auth-%d.%ds", i%16+1, i), Feature: "1. Area", Level: LevelMay}, Status: Skipped, Message: fmt.Sprintf("reason %d %s", i, strings.Repeat("x", 200))})
	}
	buf.Reset()
	if err := big.WriteMarkdown(&buf, Policy{}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > MarkdownLimit {
		t.Errorf("Markdown report of %d bytes, over %d", buf.Len(), MarkdownLimit)
	}
	if !strings.Contains(buf.String(), "left out to keep this report under 60 KB") {
		t.Error("no note about what was left out")
	}
}

func TestHTMLSingleFile(t *testing.T) {
	r, b := sampleReport(t)
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf, Policy{Baseline: b}); err != nil {
		t.Fatal(err)
	}
	h := buf.String()
	for _, bad := range []string{"<script", "src=", "<link", "@import", "<refuse>"} {
		if strings.Contains(h, bad) {
			t.Errorf("HTML report contains %q", bad)
		}
	}
	for _, want := range []string{"FAIL: 1 @must", "<th>HARDENING</th>", "auth-1.2", "&lt;refuse&gt;", "Baseline: known &amp; tracked"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
}

func TestBaselineCheck(t *testing.T) {
	c, err := LoadCatalog(fstest.MapFS{"01_x.feature": {Data: []byte("Feature: 1. X\n\n  @must @auth-1.1 @rfc6750\n  Scenario Outline: a <n>\n    Given the hostile token \"<n>\"\n\n    Examples:\n      | n |\n      | a |\n")}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "b.yaml")
	os.WriteFile(path, []byte("expected_failures:\n  - id: auth-1.1\n    reason: r\n  - id: auth-1.1/1\n    reason: r\n"), 0o600)
	b, _ := LoadBaseline(path)
	if err := b.Check(c); err != nil {
		t.Errorf("known ids: %v", err)
	}
	os.WriteFile(path, []byte("expected_failures:\n  - id: auth-1.9\n    reason: r\n"), 0o600)
	b, _ = LoadBaseline(path)
	if err := b.Check(c); err == nil || !strings.Contains(err.Error(), "auth-1.9") {
		t.Errorf("unknown id: %v", err)
	}
}

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	if err := CheckWritable(filepath.Join(dir, "r.xml")); err != nil {
		t.Errorf("writable: %v", err)
	}
	if err := CheckWritable(filepath.Join(dir, "nodir", "r.xml")); err == nil {
		t.Error("missing directory accepted")
	}
	if err := CheckWritable(dir); err == nil {
		t.Error("a directory accepted")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("CheckWritable left %d files", len(entries))
	}
}

func TestTruncateKeepsUTF8(t *testing.T) {
	s := strings.Repeat("é", 10) // two bytes each
	for n := 0; n < len(s); n++ {
		if got := truncate(s, n); !utf8.ValidString(got) || len(got) > n+len("…") {
			t.Errorf("truncate(%d) = %q", n, got)
		}
	}
}
