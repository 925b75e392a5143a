package runner

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// JUnit XML, valid against Jenkins' junit-10.xsd (runner/testdata). Its
// verdict is the run's: a <failure> is a failure that fails the run under the
// policy, and nothing else is. A failure the baseline expects is
// <skipped message="baseline: reason">; a failure at a level that does not
// fail this run (@should without --strict, @may, @hardening without
// --hardening) is <skipped message="advisory: …">, with the details in
// <system-out>: CI tools count skipped tests apart and show their message,
// without turning the build red.

type junitText struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string     `xml:"name,attr"`
	Classname string     `xml:"classname,attr"`
	Time      string     `xml:"time,attr"`
	File      string     `xml:"file,attr,omitempty"`
	Failure   *junitText `xml:"failure,omitempty"`
	Skipped   *junitText `xml:"skipped,omitempty"`
	SystemOut string     `xml:"system-out,omitempty"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	ID         int             `xml:"id,attr"`
	Package    string          `xml:"package,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out"`
	SystemErr  string          `xml:"system-err"`
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// JUnitClassname is the classname of a feature's test cases: "auth." and the
// feature's title without its number, in lower case with underscores
// ("1. Credentials and header syntax" → "auth.credentials_and_header_syntax"),
// so that tools which split classnames at dots see one package, "auth".
func JUnitClassname(feature string) string {
	title := feature
	if _, rest, ok := strings.Cut(feature, ". "); ok && areaOf(feature) > 0 {
		title = rest
	}
	return "auth." + strings.Trim(nonWord.ReplaceAllString(strings.ToLower(title), "_"), "_")
}

// WriteJUnit writes JUnit XML: one testsuite per feature, one testcase per
// scenario, failures as the policy decides them.
func (r *Report) WriteJUnit(w io.Writer, p Policy) error {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	stamp := r.Started.UTC().Format("2006-01-02T15:04:05")
	out := junitSuites{Name: "mcpauthspec", Time: seconds(r.Duration.Seconds())}
	index := map[string]int{}
	for _, res := range r.Results {
		i, ok := index[res.Feature]
		if !ok {
			i = len(out.Suites)
			index[res.Feature] = i
			out.Suites = append(out.Suites, junitSuite{
				Name: res.Feature, Timestamp: stamp, Hostname: host, ID: i, Package: "auth",
				Properties: []junitProperty{
					{"target", r.Target + " " + r.TargetURL},
					{"tags", r.Tags},
					{"strict", fmt.Sprint(p.Strict)},
					{"hardening", fmt.Sprint(p.Hardening)},
				},
			})
		}
		s := &out.Suites[i]
		tc := junitCase{
			Name:      res.ID + " " + res.Name,
			Classname: JUnitClassname(res.Feature),
			Time:      seconds(res.Duration.Seconds()),
			File:      res.File,
		}
		level := strings.ToUpper(res.Level)
		switch p.Outcome(res) {
		case OutcomeFailed:
			s.Failures++
			tc.Failure = &junitText{Message: level + " " + res.ID + ": " + res.Requirement, Type: level, Text: details(res)}
		case OutcomeBaseline:
			s.Skipped++
			tc.Skipped = &junitText{Message: "baseline: " + p.Baseline.Reason(res.ID)}
			tc.SystemOut = details(res)
		case OutcomeAdvisory:
			s.Skipped++
			tc.Skipped = &junitText{Message: "advisory: " + advisory(res.Level) + ": " + res.Requirement}
			tc.SystemOut = details(res)
		case OutcomeSkipped:
			s.Skipped++
			tc.Skipped = &junitText{Message: res.Message}
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	for i := range out.Suites {
		s := &out.Suites[i]
		var d float64
		for _, c := range s.Cases {
			var x float64
			fmt.Sscanf(c.Time, "%g", &x)
			d += x
		}
		s.Time = seconds(d)
		out.Tests += s.Tests
		out.Failures += s.Failures
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

// advisory says why a failure at level does not fail this run.
func advisory(level string) string {
	switch level {
	case LevelShould:
		return "SHOULD not met (fails the run only with --strict)"
	case LevelHardening:
		return "hardening advice not followed (fails the run only with --hardening)"
	}
	return "MAY not met (never fails the run)"
}

// details is a failure as Requirement / Expected / Actual.
func details(res Result) string {
	var b strings.Builder
	if rev := res.Revision; rev != "" {
		fmt.Fprintf(&b, "Revision:    %s\n", rev)
	}
	if res.Requirement != "" {
		fmt.Fprintf(&b, "Requirement: %s\n", res.Requirement)
	}
	if res.Expected != "" {
		fmt.Fprintf(&b, "Expected:    %s\nActual:      %s\n", res.Expected, res.Actual)
	} else {
		fmt.Fprintf(&b, "Error:       %s\n", res.Message)
	}
	fmt.Fprintf(&b, "Scenario:    %s (%s)\n", res.ID, res.File)
	return b.String()
}
