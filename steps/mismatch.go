package steps

import (
	"fmt"
	"strings"
)

// Mismatch is a failed expectation. The runner prints it as Expected /
// Actual under the scenario's requirement (h2spec style).
type Mismatch struct {
	Expected string
	Actual   string
}

func (m *Mismatch) Error() string {
	return "expected: " + m.Expected + "\n  actual: " + m.Actual
}

func mismatch(expected string, actualFormat string, args ...any) error {
	return &Mismatch{Expected: expected, Actual: fmt.Sprintf(actualFormat, args...)}
}

// snippet shortens a body for a message. Bodies come from the target and may
// in a broken target contain a token: callers that hold tokens pass them
// through redact first.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// redact replaces every token the run minted, and the secret, in text.
func (s *scenario) redact(text string) string {
	for _, t := range s.env.mintedTokens() {
		// Fingerprint only what is there: hashing every token of the run
		// (a million-period one among them) for every message was costly.
		if strings.Contains(text, t) {
			text = strings.ReplaceAll(text, t, "[token "+fingerprint(t)+"]")
		}
	}
	if sec := string(s.env.secret()); sec != "" {
		text = strings.ReplaceAll(text, sec, "[secret]")
	}
	return text
}

func fingerprint(t string) string {
	return harnessFingerprint(t)
}
