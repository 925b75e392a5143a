package harness

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestModuleSource: the checkout is found from inside it, $MCPAUTHSPEC_SOURCE
// wins, and outside a checkout a development build says what it needs.
func TestModuleSource(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t.Setenv("MCPAUTHSPEC_SOURCE", "")
	if dir, err := ModuleSource(ctx); err != nil || dir != root {
		t.Errorf("inside the checkout: %q, %v; want %q", dir, err, root)
	}
	t.Chdir(t.TempDir())
	_, err = ModuleSource(ctx)
	if !errors.Is(err, ErrNoSource) || !strings.Contains(err.Error(), "MCPAUTHSPEC_SOURCE") {
		t.Errorf("outside a checkout: %v", err)
	}
	t.Setenv("MCPAUTHSPEC_SOURCE", root)
	if dir, err := ModuleSource(ctx); err != nil || dir != root {
		t.Errorf("MCPAUTHSPEC_SOURCE: %q, %v", dir, err)
	}
	t.Setenv("MCPAUTHSPEC_SOURCE", os.TempDir())
	if _, err := ModuleSource(ctx); err == nil || !strings.Contains(err.Error(), "is not the mcpauthspec source tree") {
		t.Errorf("MCPAUTHSPEC_SOURCE elsewhere: %v", err)
	}
}
