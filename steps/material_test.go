package steps

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/mcpauthspec/mcpauthspec/harness"
)

var update = flag.Bool("update", false, "rewrite the material tags of features/*.feature (TestMaterialTags)")

// materialTagLine is the tag line that goes directly above a scenario's
// Scenario line: the material every one of its examples needs, "" for none.
// A need of only some examples is not tagged: those examples skip at run
// time, the others run.
func materialTagLine(needsPerPickle [][]string) string {
	if len(needsPerPickle) == 0 {
		return ""
	}
	var tags []string
	for _, need := range []string{harness.NeedSigningKey, harness.NeedUserB, harness.NeedNarrow, harness.NeedOtherAudience, harness.NeedSameOrg} {
		all := true
		for _, ns := range needsPerPickle {
			all = all && slices.Contains(ns, need)
		}
		if all {
			tags = append(tags, materialTags[need])
		}
	}
	return strings.Join(tags, " ")
}

// isMaterialTagLine reports whether a line holds material tags only.
func isMaterialTagLine(line string) bool {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return false
	}
	for _, f := range fields {
		known := false
		for _, t := range materialTags {
			known = known || f == t
		}
		if !known {
			return false
		}
	}
	return true
}

// withMaterialTags returns the feature file data with each scenario's
// material tag line written from its steps.
func withMaterialTags(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	ids := &messages.Incrementing{}
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(data), ids.NewId)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	// Needs of each pickle, by the line of its scenario.
	byLine := map[int64][][]string{}
	astLine := map[string]int64{}
	for _, child := range doc.Feature.Children {
		if child.Scenario != nil {
			astLine[child.Scenario.Id] = child.Scenario.Location.Line
		}
	}
	for _, p := range gherkin.Pickles(*doc, name, ids.NewId) {
		texts := make([]string, len(p.Steps))
		for i, st := range p.Steps {
			texts[i] = st.Text
		}
		tags := make([]string, len(p.Tags))
		for i, tg := range p.Tags {
			tags[i] = tg.Name
		}
		line := astLine[p.AstNodeIds[0]]
		byLine[line] = append(byLine[line], scenarioNeeds(tags, texts))
	}
	lines := strings.SplitAfter(string(data), "\n")
	var out []string
	for i, l := range lines {
		want, isScenario := byLine[int64(i+1)]
		if !isScenario {
			out = append(out, l)
			continue
		}
		// Drop a material tag line already above the scenario.
		if n := len(out); n > 0 && isMaterialTagLine(out[n-1]) {
			out = out[:n-1]
		}
		if tagLine := materialTagLine(want); tagLine != "" {
			indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
			out = append(out, indent+tagLine+"\n")
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, ""))
}

// TestMaterialTags checks that every scenario carries, on a tag line of its
// own directly above its Scenario line, the material tags its steps call
// for (@needs-signing-key, @needs-user-b, @needs-narrow-token,
// @needs-other-audience, @needs-same-org-user), and no other. go test ./steps -run
// TestMaterialTags -update rewrites them.
func TestMaterialTags(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "features", "*.feature"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no feature files: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := withMaterialTags(t, filepath.Base(f), data)
		if bytes.Equal(want, data) {
			continue
		}
		if *update {
			if err := os.WriteFile(f, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s: material tags are not up to date; run go test ./steps -run TestMaterialTags -update", f)
	}
}

// The table reads the needs off the steps.
func TestScenarioNeeds(t *testing.T) {
	for _, tc := range []struct {
		tags  []string
		steps []string
		want  []string
	}{
		{nil, []string{`a valid token for "alice"`, `the client sends "initialize"`, `the request is accepted`}, nil},
		{[]string{"@jwks"}, []string{`a valid token for "alice"`}, []string{harness.NeedSigningKey}},
		{nil, []string{`a valid token for "carol"`}, []string{harness.NeedUserB}},
		{nil, []string{`a valid token for "bob"`}, []string{harness.NeedNarrow}},
		{nil, []string{`"alice" has opened a session`, `a valid token for "bob"`}, []string{harness.NeedSameOrg}},
		{nil, []string{`a valid token for "bob"`, `a valid token for "erin"`}, []string{harness.NeedNarrow, harness.NeedSigningKey}},
		{nil, []string{`"alice" has opened a session`, `a token for "alice" with scope "read"`, `a valid token for "bob"`}, []string{harness.NeedNarrow, harness.NeedSigningKey}},
		{nil, []string{`a valid token for "carol"`, `a valid token for "dave"`}, []string{harness.NeedSigningKey, harness.NeedUserB}},
		{nil, []string{`a token for "alice" with scope "read"`}, []string{harness.NeedNarrow}},
		{nil, []string{`a token for "alice" with claim "aud" set to "\"core-api\""`}, []string{harness.NeedOtherAudience}},
		{nil, []string{`a token for "alice" with claim "iss" set to "\"x\""`, `the response status is 401`}, nil},
		{nil, []string{`a token for "alice" with claim "iss" set to "\"x\""`, `the tool succeeds`}, []string{harness.NeedSigningKey}},
		{nil, []string{`a token for "alice" with claim "jti" set to "\"x\""`}, []string{harness.NeedSigningKey}},
		{nil, []string{`the hostile token "alg none, no signature"`}, nil},
		{nil, []string{`the hostile token "iat in the future"`}, []string{harness.NeedSigningKey}},
		{nil, []string{`the hostile token "aud other"`}, []string{harness.NeedOtherAudience}},
		{nil, []string{`the acceptable token "typ at+jwt"`}, []string{harness.NeedSigningKey}},
		{nil, []string{`the hostile JWKS token "key confusion: RSA public key as PEM"`}, nil},
		{nil, []string{`the issuer rotates its "RS256" key`}, []string{harness.NeedSigningKey}},
		{nil, []string{`the backend fails with "exchange-401"`}, []string{harness.NeedSigningKey}},
		{nil, []string{`the backend fails with "500"`}, nil},
	} {
		got := scenarioNeeds(tc.tags, tc.steps)
		if len(got) == 0 {
			got = nil
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v %q: needs %v, want %v", tc.tags, tc.steps, got, tc.want)
		}
	}
}
