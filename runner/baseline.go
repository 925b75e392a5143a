package runner

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Baseline lists scenarios a target is known to fail, each with its reason.
// A listed scenario that passes is stale, and fails the run: the baseline
// must shrink as the target improves (as in the MCP conformance suite).
type Baseline struct {
	entries map[string]string
}

type baselineFile struct {
	ExpectedFailures []struct {
		ID     string `yaml:"id"`
		Reason string `yaml:"reason"`
	} `yaml:"expected_failures"`
}

// LoadBaseline reads a baseline YAML file:
//
//	expected_failures:
//	  - id: auth-10.1
//	    reason: the SDK does not bind sessions to users
func LoadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var f baselineFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	b := &Baseline{entries: map[string]string{}}
	for _, e := range f.ExpectedFailures {
		if e.ID == "" || e.Reason == "" {
			return nil, fmt.Errorf("baseline %s: every entry needs an id and a reason", path)
		}
		b.entries[e.ID] = e.Reason
	}
	return b, nil
}

// Check fails when an entry names no scenario of the catalog (neither a
// case nor an outline), so that a typo cannot hide a failure.
func (b *Baseline) Check(c *Catalog) error {
	if b == nil {
		return nil
	}
	known := map[string]bool{}
	for _, cs := range c.Cases {
		known[cs.ID] = true
		if outline, _, ok := strings.Cut(cs.ID, "/"); ok {
			known[outline] = true
		}
	}
	var unknown []string
	for id := range b.entries {
		if !known[id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("baseline: no scenario has the id %s", strings.Join(unknown, ", "))
	}
	return nil
}

// entry returns the baseline entry covering id: the id itself, or for an
// outline row (auth-2.3/4) the whole outline (auth-2.3).
func (b *Baseline) entry(id string) (string, bool) {
	if b == nil {
		return "", false
	}
	if _, ok := b.entries[id]; ok {
		return id, true
	}
	if outline, _, found := strings.Cut(id, "/"); found {
		if _, ok := b.entries[outline]; ok {
			return outline, true
		}
	}
	return "", false
}

// Expects reports whether id is an expected failure. A nil baseline expects
// nothing.
func (b *Baseline) Expects(id string) bool {
	_, ok := b.entry(id)
	return ok
}

// Reason is why id is expected to fail.
func (b *Baseline) Reason(id string) string {
	if e, ok := b.entry(id); ok {
		return b.entries[e]
	}
	return ""
}

// Stale returns the baseline entries whose scenarios ran and none of which
// failed.
func (b *Baseline) Stale(r *Report) []string {
	if b == nil {
		return nil
	}
	ran, failed := map[string]bool{}, map[string]bool{}
	for _, res := range r.Results {
		if e, ok := b.entry(res.ID); ok && res.Status != Skipped {
			ran[e] = true
			failed[e] = failed[e] || res.Status == Failed
		}
	}
	var stale []string
	for e := range ran {
		if !failed[e] {
			stale = append(stale, e)
		}
	}
	sort.Strings(stale)
	return stale
}
