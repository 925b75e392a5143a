package mcpauthspec_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestActionDefinition parses action.yml and runs its run step with bash
// and a fake mcpauthspec on PATH: the inputs become the flags, the Markdown
// report reaches the job summary, and the step's status is the suite's.
func TestActionDefinition(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not found")
	}
	data, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Name   string
		Inputs map[string]struct {
			Description string
			Default     *string
		}
		Outputs map[string]struct{ Value string }
		Runs    struct {
			Using string
			Steps []struct {
				ID    string
				Shell string
				Env   map[string]string
				Run   string
			}
		}
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&action); err != nil {
		t.Fatal(err)
	}
	if action.Name == "" || action.Runs.Using != "composite" {
		t.Fatalf("not a composite action: %+v", action)
	}
	for name, in := range action.Inputs {
		if in.Description == "" || in.Default == nil {
			t.Errorf("input %s needs a description and a default", name)
		}
	}
	// Every ${{ inputs.x }} names a declared input.
	for _, m := range regexp.MustCompile(`\$\{\{\s*inputs\.([a-z-]+)\s*\}\}`).FindAllStringSubmatch(string(data), -1) {
		if _, ok := action.Inputs[m[1]]; !ok {
			t.Errorf("inputs.%s is used but not declared", m[1])
		}
	}
	var step *struct {
		ID    string
		Shell string
		Env   map[string]string
		Run   string
	}
	for i := range action.Runs.Steps {
		if action.Runs.Steps[i].ID == "run" {
			step = &action.Runs.Steps[i]
		}
	}
	if step == nil || step.Shell != "bash" {
		t.Fatal("no bash step with id run")
	}
	if !strings.Contains(action.Outputs["exit-code"].Value, "steps.run.outputs.exit-code") {
		t.Error("output exit-code does not come from the run step")
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	// The fake records its arguments, writes the Markdown report it is
	// asked for, and exits with $FAKE_EXIT.
	fake := `#!/usr/bin/env bash
printf '%s\n' "$@" > "$FAKE_ARGS"
while [ $# -gt 0 ]; do
  if [ "$1" = --markdown ]; then echo "**FAIL: 1 @must**" > "$2"; fi
  shift
done
exit "$FAKE_EXIT"
`
	if err := os.WriteFile(filepath.Join(bin, "mcpauthspec"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]string{
		"target-url": "http://127.0.0.1:18080/mcp", "profile": "p.yaml", "tags": "@must and not @load",
		"strict": "true", "markdown": filepath.Join(dir, "report.md"), "junit": filepath.Join(dir, "junit.xml"),
	}
	expr := regexp.MustCompile(`^\$\{\{\s*inputs\.([a-z-]+)\s*\}\}$`)
	for _, exit := range []string{"0", "1", "2"} {
		summary, output, args := filepath.Join(dir, "summary.md"), filepath.Join(dir, "output"), filepath.Join(dir, "args")
		os.Remove(summary)
		os.Remove(output)
		cmd := exec.Command("bash", "-e", "-c", step.Run)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "GITHUB_STEP_SUMMARY="+summary,
			"GITHUB_OUTPUT="+output, "FAKE_ARGS="+args, "FAKE_EXIT="+exit)
		for k, v := range step.Env {
			m := expr.FindStringSubmatch(v)
			if m == nil {
				t.Fatalf("env %s=%q is not an input", k, v)
			}
			val, ok := inputs[m[1]]
			if !ok {
				val = *action.Inputs[m[1]].Default
			}
			cmd.Env = append(cmd.Env, k+"="+val)
		}
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if want := exit; want != string(rune('0'+code)) {
			t.Errorf("fake exit %s: the step exited %d\n%s", exit, code, out)
		}
		got, _ := os.ReadFile(args)
		want := strings.Join([]string{"--junit", inputs["junit"], "--markdown", inputs["markdown"], "--target-url", inputs["target-url"],
			"--profile", "p.yaml", "--tags", "@must and not @load", "--strict"}, "\n") + "\n"
		if string(got) != want {
			t.Errorf("arguments:\n%s\nwant:\n%s", got, want)
		}
		if s, _ := os.ReadFile(summary); !strings.Contains(string(s), "**FAIL: 1 @must**") {
			t.Errorf("job summary %q lacks the Markdown report", s)
		}
		if o, _ := os.ReadFile(output); string(o) != "exit-code="+exit+"\n" {
			t.Errorf("step output %q", o)
		}
	}
}
