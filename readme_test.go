package mcpauthspec_test

import (
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mcpauthspec/mcpauthspec/features"
	"github.com/mcpauthspec/mcpauthspec/runner"
)

// TestREADMEFigures holds the README's figures to the specification, so
// that they cannot go stale: the scenario count, the example's totals and
// matrix rows, and the areas table (one row per feature, no other).
func TestREADMEFigures(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	if n := strings.Count(readme, "\n"); n > 300 {
		t.Errorf("README.md has %d lines; keep it for users first, under about 300 (details go to docs/)", n)
	}
	c, err := runner.LoadCatalog(features.FS)
	if err != nil {
		t.Fatal(err)
	}
	total := len(c.Cases)
	perLevel := map[string]map[string]int{} // feature → level → cases
	features := map[string]bool{}
	for _, cs := range c.Cases {
		features[cs.Feature] = true
		if perLevel[cs.Feature] == nil {
			perLevel[cs.Feature] = map[string]int{}
		}
		perLevel[cs.Feature][cs.Level]++
	}

	found := 0
	for _, m := range regexp.MustCompile(`(\d+) scenarios`).FindAllStringSubmatch(readme, -1) {
		found++
		if n, _ := strconv.Atoi(m[1]); n != total {
			t.Errorf("README says %q; the specification has %d scenarios", m[0], total)
		}
	}
	// Example matrix rows: "N. Title  a/b  c/d  …  MCP revisions", b and d
	// the area's MUST and SHOULD results: its scenarios once for each
	// revision the row names (once when it names none).
	row := regexp.MustCompile(`(?m)^(\d+\. [A-Za-z ]+?)\s{2,}(\d+)/(\d+)\s+(?:(\d+)/(\d+)|-)(.*)$`)
	revision := regexp.MustCompile(`\b20\d\d-\d\d-\d\d\b`)
	for _, m := range row.FindAllStringSubmatch(readme, -1) {
		found++
		lv, ok := perLevel[m[1]]
		if !ok {
			t.Errorf("README's example row %q names no feature", m[1])
			continue
		}
		times := max(1, len(revision.FindAllString(m[6], -1)))
		if b, _ := strconv.Atoi(m[3]); b != times*lv[runner.LevelMust] {
			t.Errorf("README's example row %q: %d MUST results, the feature has %d scenarios on %d revision(s)", m[1], b, lv[runner.LevelMust], times)
		}
		if m[5] != "" {
			if d, _ := strconv.Atoi(m[5]); d != times*lv[runner.LevelShould] {
				t.Errorf("README's example row %q: %d SHOULD results, the feature has %d scenarios on %d revision(s)", m[1], d, lv[runner.LevelShould], times)
			}
		}
	}
	if found == 0 {
		t.Error("no figure found in README.md: the patterns no longer match it")
	}

	// The areas table lists exactly the features.
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+\. [^|]+?) \|`).FindAllStringSubmatch(readme, -1) {
		listed[m[1]] = true
	}
	var missing, extra []string
	for f := range features {
		if !listed[f] {
			missing = append(missing, f)
		}
	}
	for f := range listed {
		if !features[f] {
			extra = append(extra, f)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Errorf("README's areas table: missing %q, not a feature %q", missing, extra)
	}
	if len(listed) == 0 {
		t.Error("no areas table in README.md")
	}
}
