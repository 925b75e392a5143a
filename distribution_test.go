package mcpauthspec_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunnerImageBinary checks what build/runner.Dockerfile promises: one
// static binary in a FROM scratch image, carrying the specification, so
// that it runs from an empty directory without the source.
func TestRunnerImageBinary(t *testing.T) {
	df, err := os.ReadFile("build/runner.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var from, entry []string
	for _, line := range strings.Split(string(df), "\n") {
		switch {
		case strings.HasPrefix(line, "FROM "):
			from = append(from, line)
		case strings.HasPrefix(line, "ENTRYPOINT "):
			entry = append(entry, line)
		}
	}
	if len(from) != 1 || from[0] != "FROM scratch" || len(entry) != 1 || !strings.Contains(entry[0], `"/mcpauthspec"`) {
		t.Errorf("build/runner.Dockerfile: FROM %v, ENTRYPOINT %v; want one FROM scratch and the mcpauthspec entrypoint", from, entry)
	}
	script, err := os.ReadFile("build/runner-image.sh")
	if err != nil || !strings.Contains(string(script), "CGO_ENABLED=0") || !strings.Contains(string(script), "./cmd/mcpauthspec") {
		t.Errorf("build/runner-image.sh does not build a static mcpauthspec: %v", err)
	}
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mcpauthspec")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/mcpauthspec")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	empty := t.TempDir()
	for _, args := range [][]string{{"version"}, {"--list", "--tags", "@auth-1.1"}, {"--quiet", "--tags", "@auth-1.1"}} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = empty
		out, err := cmd.CombinedOutput()
		if err != nil || len(out) == 0 {
			t.Errorf("%v from an empty directory: %v\n%s", args, err, out)
		}
	}
}
