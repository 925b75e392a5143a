package runner

import (
	"fmt"
	"strings"
)

// Coverage is how much of the selection a run with supplied tokens could
// run: scenarios that ran (passed or failed) of those selected, per level.
// The others were skipped for the material they need (the signing key,
// user B, a narrow or an other-audience token) or for the target's
// capabilities.
type Coverage struct {
	Ran      int            `json:"ran"`
	Selected int            `json:"selected"`
	Levels   map[string]Ran `json:"levels"`
	// Tampered counts the scenarios that ran on a token changed under its
	// original signature (steps.TamperedNote).
	Tampered int `json:"tampered"`
}

// Ran is one level's share.
type Ran struct {
	Ran      int `json:"ran"`
	Selected int `json:"selected"`
}

func coverageOf(results []Result) *Coverage {
	c := &Coverage{Levels: map[string]Ran{}}
	for _, r := range results {
		l := c.Levels[r.Level]
		l.Selected++
		c.Selected++
		if r.Status != Skipped {
			l.Ran++
			c.Ran++
		}
		if r.Status == Passed && r.Message != "" {
			c.Tampered++
		}
		c.Levels[r.Level] = l
	}
	return c
}

// Line is the text report's coverage line:
// "Coverage with supplied tokens: 150 of 260 scenarios ran (must 120 of 180, should 25 of 60, may 5 of 20)".
func (c *Coverage) Line() string {
	var parts []string
	for _, l := range Levels {
		if v, ok := c.Levels[l]; ok {
			parts = append(parts, fmt.Sprintf("%s %d of %d", l, v.Ran, v.Selected))
		}
	}
	line := fmt.Sprintf("Coverage with supplied tokens: %d of %d scenarios ran (%s)", c.Ran, c.Selected, strings.Join(parts, ", "))
	if c.Tampered > 0 {
		line += fmt.Sprintf("; %d of them on a claim changed under the original signature", c.Tampered)
	}
	return line
}
