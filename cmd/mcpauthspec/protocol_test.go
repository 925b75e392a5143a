package main

import (
	"strings"
	"testing"
)

// --protocol takes auto or a revision the suite speaks; anything else is a
// one-line usage error.
func TestProtocolFlag(t *testing.T) {
	code, stdout, stderr := runCLI(t, "--protocol", "2024-11-05")
	if code != 2 || stdout != "" || !strings.Contains(stderr, `--protocol "2024-11-05"`) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, one line naming --protocol", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "--protocol", "2025-06-18", "--tags", "@auth-1.2")
	if code != 0 || !strings.Contains(stdout, "the suite ran on 2025-06-18\n") {
		t.Errorf("--protocol 2025-06-18: exit %d\n%s%s", code, stdout, stderr)
	}
}
