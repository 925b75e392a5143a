package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
)

// ModulePath is this module's path.
const ModulePath = "github.com/mcpauthspec/mcpauthspec"

// ErrNoSource says what a command that builds from the source
// (--container, bench --compare) needs when it cannot find it.
var ErrNoSource = errors.New("it builds refserver from the mcpauthspec source, which it finds in this order: $MCPAUTHSPEC_SOURCE, the checkout around the working directory, or, for a released binary (go install " + ModulePath + "/cmd/mcpauthspec@vX.Y.Z), the module of its own version fetched with the go command; none was found")

// ModuleSource returns the directory of the mcpauthspec source tree the
// container images and bench --compare's binaries are built from:
// $MCPAUTHSPEC_SOURCE; else the module around the working directory; else,
// for a binary installed at a released version, that version's source in
// the module cache (go mod download). It needs the go command.
func ModuleSource(ctx context.Context) (string, error) {
	if dir := os.Getenv("MCPAUTHSPEC_SOURCE"); dir != "" {
		return checkSource(dir)
	}
	if _, err := exec.LookPath("go"); err != nil {
		return "", fmt.Errorf("%w (and the go command is not on PATH)", ErrNoSource)
	}
	if out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output(); err == nil {
		if gomod := strings.TrimSpace(string(out)); gomod != "" && gomod != os.DevNull {
			if dir, err := checkSource(filepath.Dir(gomod)); err == nil {
				return dir, nil
			}
		}
	}
	version := ""
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path == ModulePath {
		version = bi.Main.Version
	}
	if version == "" || version == "(devel)" {
		return "", ErrNoSource
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", ModulePath+"@"+version)
	cmd.Dir = os.TempDir() // outside any module
	out, err := cmd.Output()
	var dl struct{ Dir, Error string }
	if json.Unmarshal(out, &dl) != nil || dl.Dir == "" {
		msg := dl.Error
		if msg == "" && err != nil {
			msg = err.Error()
		}
		return "", fmt.Errorf("%w (go mod download %s@%s: %s)", ErrNoSource, ModulePath, version, msg)
	}
	return checkSource(dl.Dir)
}

func checkSource(dir string) (string, error) {
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil || !bytes.Contains(mod, []byte("module "+ModulePath+"\n")) {
		return "", fmt.Errorf("%s is not the mcpauthspec source tree", dir)
	}
	return dir, nil
}
