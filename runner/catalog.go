package runner

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

// Case is one scenario of the specification (one row, for an outline).
type Case struct {
	ID          string   // auth-2.3, or auth-2.3/4 for row 4 of an outline
	Feature     string   // the Feature title, e.g. "2. Token integrity"
	File        string   // features/02_token_integrity.feature
	Name        string   // the scenario name, placeholders filled
	Level       string   // must, should, may, or hardening (@may @hardening)
	Tags        []string // all tags, with @
	Requirement string   // the "# Requirement:" comment above the scenario
	// WhyMust is the "# Why must:" comment under the requirement of a @must
	// scenario: why every answer its source allows passes the check and
	// only a violation fails it (docs/levels.md).
	WhyMust string
}

// Catalog is every case of a feature set, keyed for lookup from a pickle.
type Catalog struct {
	Cases []*Case
	byKey map[string]*Case
}

var (
	requirementComment = regexp.MustCompile(`^\s*#\s*Requirement:\s*(.+)$`)
	whyMustComment     = regexp.MustCompile(`^\s*#\s*Why must:\s*(.+)$`)
)

// LoadCatalog parses every *.feature file of fsys.
func LoadCatalog(fsys fs.FS) (*Catalog, error) {
	files, err := fs.Glob(fsys, "*.feature")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	c := &Catalog{byKey: map[string]*Case{}}
	for _, file := range files {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		if err := c.add(file, data); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Catalog) add(file string, data []byte) error {
	ids := &messages.Incrementing{}
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(data), ids.NewId)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if doc.Feature == nil {
		return nil
	}
	requirements := commentsByLine(data, requirementComment)
	whyMusts := commentsByLine(data, whyMustComment)
	// Scenario line → requirement, from the comment nearest above its tags,
	// and the "# Why must:" line between the two, if any.
	scenarioReq := map[string]string{}
	scenarioWhy := map[string]string{}
	scenarioLine := map[string]int64{}
	for _, child := range doc.Feature.Children {
		if sc := child.Scenario; sc != nil {
			scenarioLine[sc.Id] = sc.Location.Line
			first := sc.Location.Line
			for _, t := range sc.Tags {
				first = min(first, t.Location.Line)
			}
			for l := first - 1; l > 0; l-- {
				if w, ok := whyMusts[l]; ok {
					scenarioWhy[sc.Id] = w
				}
				if r, ok := requirements[l]; ok {
					scenarioReq[sc.Id] = r
					break
				}
				if l < first-3 {
					break
				}
			}
		}
	}
	rows := map[string]int{}
	for _, p := range gherkin.Pickles(*doc, path.Join("features", file), ids.NewId) {
		tags := make([]string, len(p.Tags))
		for i, t := range p.Tags {
			tags[i] = t.Name
		}
		cs := &Case{
			Feature:     doc.Feature.Name,
			File:        "features/" + file,
			Name:        p.Name,
			Tags:        tags,
			Requirement: scenarioReq[p.AstNodeIds[0]],
			WhyMust:     scenarioWhy[p.AstNodeIds[0]],
		}
		hardening := false
		for _, t := range tags {
			switch {
			case t == "@must" || t == "@should" || t == "@may":
				cs.Level = strings.TrimPrefix(t, "@")
			case t == tagHardening:
				hardening = true
			case strings.HasPrefix(t, "@auth-"):
				cs.ID = strings.TrimPrefix(t, "@")
			}
		}
		if cs.ID == "" || cs.Level == "" {
			return fmt.Errorf("features/%s: scenario %q needs one @auth-… ID tag and one of @must/@should/@may", file, p.Name)
		}
		if hardening {
			// The suite's own advice: no source requires it, so it can only
			// be a @may, reported at a level of its own.
			if cs.Level != LevelMay {
				return fmt.Errorf("features/%s: scenario %q: @hardening goes with @may, not @%s", file, p.Name, cs.Level)
			}
			cs.Level = LevelHardening
		}
		if len(p.AstNodeIds) > 1 { // an outline row
			rows[cs.ID]++
			cs.ID = fmt.Sprintf("%s/%d", cs.ID, rows[cs.ID])
		}
		key := pickleKey(p.Name, pickleSteps(p))
		if _, dup := c.byKey[key]; dup {
			return fmt.Errorf("features/%s: two scenarios %q with identical steps", file, p.Name)
		}
		c.byKey[key] = cs
		c.Cases = append(c.Cases, cs)
	}
	seen := map[string]bool{}
	for _, cs := range c.Cases {
		if seen[cs.ID] {
			return fmt.Errorf("%s: scenario ID %s is used twice", cs.File, cs.ID)
		}
		seen[cs.ID] = true
	}
	return nil
}

func commentsByLine(data []byte, comment *regexp.Regexp) map[int64]string {
	out := map[int64]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := int64(1); sc.Scan(); line++ {
		if m := comment.FindStringSubmatch(sc.Text()); m != nil {
			out[line] = strings.TrimSpace(m[1])
		}
	}
	return out
}

func pickleSteps(p *messages.Pickle) []string {
	steps := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		steps[i] = s.Text
	}
	return steps
}

func pickleKey(name string, steps []string) string {
	return name + "\x00" + strings.Join(steps, "\x00")
}

// tagHardening marks the suite's own hardening advice (with @may).
const tagHardening = "@hardening"

// Sources returns the source tags of every case (@mcp-…, @rfc…), sorted.
func (c *Catalog) Sources() []string {
	seen := map[string]bool{}
	var out []string
	for _, cs := range c.Cases {
		for _, t := range cs.Tags {
			if (strings.HasPrefix(t, "@mcp-") || strings.HasPrefix(t, "@rfc")) && !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Lookup finds the case of a running pickle.
func (c *Catalog) Lookup(p *messages.Pickle) *Case {
	return c.byKey[pickleKey(p.Name, pickleSteps(p))]
}
