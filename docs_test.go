package mcpauthspec_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestContractCitationsResolve holds every "Target contract §N" (or "§N-§M")
// cited in features/ and harness/ to a section "## §N" of
// docs/target-contract.md, the copy of the contract a clone has.
func TestContractCitationsResolve(t *testing.T) {
	doc, err := os.ReadFile("docs/target-contract.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^## §(\d+) `).FindAllStringSubmatch(string(doc), -1) {
		sections[m[1]] = true
	}
	if len(sections) < 6 {
		t.Fatalf("docs/target-contract.md has %d numbered sections, want §0-§6", len(sections))
	}
	cite := regexp.MustCompile(`(?i)(?:target )?contract §(\d+)(?:\s*-\s*§(\d+))?`)
	files, _ := filepath.Glob("features/*.feature")
	more, _ := filepath.Glob("harness/*.go")
	cited := 0
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			for _, m := range cite.FindAllStringSubmatch(line, -1) {
				cited++
				for _, n := range m[1:] {
					if n != "" && !sections[n] {
						t.Errorf("%s:%d cites contract §%s, which docs/target-contract.md does not have", f, i+1, n)
					}
				}
			}
		}
	}
	if cited == 0 {
		t.Error("no contract citation found in features/ or harness/: the pattern no longer matches them")
	}
	for _, f := range []string{"README.md", "examples/gosdk-server/README.md"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "shared/spec") {
			t.Errorf("%s points outside the repository for the contract; point to docs/target-contract.md", f)
		}
	}
}
