package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/mcpauthspec/mcpauthspec/features"
	"github.com/mcpauthspec/mcpauthspec/harness"
)

func TestCatalogOfTheSpecification(t *testing.T) {
	c, err := LoadCatalog(features.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Cases) < 120 {
		t.Errorf("%d scenarios, the specification promises at least 120", len(c.Cases))
	}
	for _, cs := range c.Cases {
		if cs.Requirement == "" {
			t.Errorf("%s has no # Requirement: line", cs.ID)
		}
		sources := 0
		for _, tag := range cs.Tags {
			if strings.HasPrefix(tag, "@rfc") || strings.HasPrefix(tag, "@mcp-") || tag == "@core-app" {
				sources++
			}
		}
		if sources == 0 {
			t.Errorf("%s names no source", cs.ID)
		}
	}
}

func TestCatalogRejectsBadScenarios(t *testing.T) {
	tests := map[string]string{
		"no level":     "Feature: 1. X\n\n  @auth-1.1 @rfc6750\n  Scenario: a\n    Given no credentials\n",
		"no id":        "Feature: 1. X\n\n  @must @rfc6750\n  Scenario: a\n    Given no credentials\n",
		"duplicate id": "Feature: 1. X\n\n  @must @auth-1.1\n  Scenario: a\n    Given no credentials\n\n  @must @auth-1.1\n  Scenario: b\n    Given no credentials\n",
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := LoadCatalog(fstest.MapFS{"01_x.feature": {Data: []byte(text)}})
			if err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestCatalogIDsAndRequirements(t *testing.T) {
	text := `Feature: 2. Things

  # Requirement: one thing
  @must @auth-2.1 @rfc6750
  Scenario: plain
    Given no credentials

  # Requirement: each row
  @should @auth-2.2 @rfc6750
  Scenario Outline: rows <n>
    Given the hostile token "<n>"

    Examples:
      | n |
      | a |
      | b |
`
	c, err := LoadCatalog(fstest.MapFS{"02_things.feature": {Data: []byte(text)}})
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ ID, Level, Requirement, Name, Feature string }
	var got []row
	for _, cs := range c.Cases {
		got = append(got, row{cs.ID, cs.Level, cs.Requirement, cs.Name, cs.Feature})
	}
	want := []row{
		{"auth-2.1", "must", "one thing", "plain", "2. Things"},
		{"auth-2.2/1", "should", "each row", "rows a", "2. Things"},
		{"auth-2.2/2", "should", "each row", "rows b", "2. Things"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("catalog (-want +got):\n%s", diff)
	}
}

func TestBaseline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.yaml")
	os.WriteFile(path, []byte("expected_failures:\n  - id: auth-1.2\n    reason: r1\n  - id: auth-3.1\n    reason: r2\n  - id: auth-4.4\n    reason: r3\n"), 0o600)
	b, err := LoadBaseline(path)
	if err != nil {
		t.Fatal(err)
	}
	r := &Report{Results: []Result{
		{Case: Case{ID: "auth-1.2/1", Level: "must"}, Status: Failed},
		{Case: Case{ID: "auth-1.2/2", Level: "must"}, Status: Passed},
		{Case: Case{ID: "auth-3.1", Level: "must"}, Status: Passed},
		{Case: Case{ID: "auth-4.4", Level: "should"}, Status: Skipped},
		{Case: Case{ID: "auth-5.1", Level: "must"}, Status: Failed},
		{Case: Case{ID: "auth-6.1", Level: "should"}, Status: Failed},
	}}
	if diff := cmp.Diff([]string{"auth-3.1"}, b.Stale(r)); diff != "" {
		t.Errorf("stale (-want +got):\n%s", diff)
	}
	ids := func(rs []Result) (out []string) {
		for _, x := range rs {
			out = append(out, x.ID)
		}
		return out
	}
	if diff := cmp.Diff([]string{"auth-5.1"}, ids(r.Failures(false, b))); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"auth-5.1", "auth-6.1"}, ids(r.Failures(true, b))); diff != "" {
		t.Errorf("strict failures (-want +got):\n%s", diff)
	}
	if got := r.Totals().Summary(); got != "2 passed, 3 failed, 1 skipped" {
		t.Errorf("summary %q", got)
	}
}

func TestAndTag(t *testing.T) {
	for _, tt := range []struct{ expr, tag, want string }{
		{"", "@serial", "@serial"},
		{"  ", "~@serial", "~@serial"},
		{"@must", "@serial", "@must&&@serial"},
		{"~@jwks", "~@serial", "~@jwks&&~@serial"},
		{"@must && ~@jwks", "@serial", "@must && ~@jwks&&@serial"},
		{"@auth-1.1, @auth-11.5", "~@serial", "@auth-1.1&&~@serial,@auth-11.5&&~@serial"},
	} {
		if got := andTag(tt.expr, tt.tag); got != tt.want {
			t.Errorf("andTag(%q, %q) = %q, want %q", tt.expr, tt.tag, got, tt.want)
		}
	}
}

// TestRunBothPasses: a selection of @serial and other scenarios runs every
// one of them, whichever pass it falls in.
func TestRunBothPasses(t *testing.T) {
	ctx := t.Context()
	target, err := harness.StartEmbedded(ctx, harness.EmbeddedOptions{})
	if target != nil {
		t.Cleanup(func() { _ = target.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, Options{Target: target, Tags: "@auth-1.1, @auth-11.5,@auth-11.3&&@should"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rep.Results {
		got[r.ID] = r.Status
	}
	want := map[string]string{"auth-1.1": Passed, "auth-11.5": Passed}
	for row := 1; row <= 5; row++ {
		want[fmt.Sprintf("auth-11.3/%d", row)] = Passed
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

// TestRunSelectsOneOutlineRow: an outline row's id selects that row alone,
// in Cucumber's syntax.
func TestRunSelectsOneOutlineRow(t *testing.T) {
	c, err := LoadCatalog(features.FS)
	if err != nil {
		t.Fatal(err)
	}
	row := ""
	for _, cs := range c.Cases {
		if strings.HasSuffix(cs.ID, "/2") && !slices.Contains(cs.Tags, "@jwks") && !slices.Contains(cs.Tags, "@serial") {
			row = cs.ID
			break
		}
	}
	ctx := t.Context()
	target, err := harness.StartEmbedded(ctx, harness.EmbeddedOptions{})
	if target != nil {
		t.Cleanup(func() { _ = target.Close() })
	}
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, Options{Target: target, Protocol: harness.Revision20250618, Tags: "@" + row + " or (@auth-1.1 and not @jwks)"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rep.Results {
		got = append(got, r.ID+" "+r.Status)
	}
	if diff := cmp.Diff([]string{"auth-1.1 passed", row + " passed"}, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if _, err := Run(ctx, Options{Target: target, Tags: "@must &&"}); err == nil {
		t.Error("a bad expression ran")
	}
}
