package runner

import (
	"bytes"
	"fmt"
	"os"

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

// Expects reports whether id is an expected failure. A nil baseline expects
// nothing.
func (b *Baseline) Expects(id string) bool {
	if b == nil {
		return false
	}
	_, ok := b.entries[id]
	return ok
}

// Reason is why id is expected to fail.
func (b *Baseline) Reason(id string) string {
	if b == nil {
		return ""
	}
	return b.entries[id]
}

// Stale returns the baseline entries whose scenarios ran and passed.
func (b *Baseline) Stale(r *Report) []string {
	if b == nil {
		return nil
	}
	var stale []string
	for _, res := range r.Results {
		if res.Status == Passed && b.Expects(res.ID) {
			stale = append(stale, res.ID)
		}
	}
	return stale
}
