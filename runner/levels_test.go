package runner

import (
	"flag"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mcpauthspec/mcpauthspec/features"
)

var updateLevels = flag.Bool("update", false, "rewrite the level table of docs/levels.md from the features")

const levelsFile = "../docs/levels.md"

// TestLevelTable keeps docs/levels.md's table in step with the features,
// and holds every scenario to the rule: a requirement line for each, and a
// "# Why must:" line for each @must.
func TestLevelTable(t *testing.T) {
	c, err := LoadCatalog(features.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range c.Cases {
		if cs.Requirement == "" {
			t.Errorf("%s (%s) has no # Requirement: line", cs.ID, cs.File)
		}
		if cs.Level == "must" && cs.WhyMust == "" {
			t.Errorf("%s (%s) is @must without a # Why must: line under its requirement", cs.ID, cs.File)
		}
		if cs.Level != "must" && cs.WhyMust != "" {
			t.Errorf("%s (%s) is @%s but has a # Why must: line", cs.ID, cs.File, cs.Level)
		}
	}
	data, err := os.ReadFile(levelsFile)
	if err != nil {
		t.Fatal(err)
	}
	head, committed, ok := strings.Cut(string(data), LevelTableMarker+"\n")
	if !ok {
		t.Fatalf("%s lacks the marker line %q", levelsFile, LevelTableMarker)
	}
	fresh := "\n" + LevelTable(c)
	if *updateLevels {
		if err := os.WriteFile(levelsFile, []byte(head+LevelTableMarker+"\n"+fresh), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if committed != fresh {
		cl, fl := strings.Split(committed, "\n"), strings.Split(fresh, "\n")
		for i := range max(len(cl), len(fl)) {
			var a, b string
			if i < len(cl) {
				a = cl[i]
			}
			if i < len(fl) {
				b = fl[i]
			}
			if a != b {
				t.Fatalf("%s is out of date; regenerate it with\n\tgo test ./runner -run TestLevelTable -update\nline %d: committed %q\n         fresh     %q", levelsFile, i+1, a, b)
			}
		}
	}
}

func TestCatalogReadsWhyMust(t *testing.T) {
	fsys := fstest.MapFS{"01_x.feature": {Data: []byte(`Feature: 1. X

  # Requirement: A quote.
  # Why must: every allowed answer passes.
  @must @auth-1.1 @rfc6750
  Scenario: one
    Given no credentials

  # Requirement: Another quote.
  @should @auth-1.2 @rfc6750
  Scenario: two
    Given no credentials
`)}}
	c, err := LoadCatalog(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Cases[0].WhyMust; got != "every allowed answer passes." {
		t.Errorf("WhyMust of the @must = %q", got)
	}
	if got := c.Cases[0].Requirement; got != "A quote." {
		t.Errorf("Requirement of the @must = %q", got)
	}
	if got := c.Cases[1].WhyMust; got != "" {
		t.Errorf("WhyMust of the @should = %q, want none", got)
	}
	table := LevelTable(c)
	for _, want := range []string{"| auth-1.1 | must | A quote. | every allowed answer passes. |", "| auth-1.2 | should | Another quote. |  |"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}
