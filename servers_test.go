package mcpauthspec_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// serverLimits are the http.Server fields that bound what one client can
// make a server hold: a zero value means "no limit" to net/http (docs/performance.md,
// "Reliability"). WriteTimeout is not among them: MCP's GET stream and the
// fake backend's slow fault are long answers by design.
var serverLimits = []string{"ReadHeaderTimeout", "ReadTimeout", "IdleTimeout", "MaxHeaderBytes"}

// TestEveryServerSetsItsLimits parses every non-test Go file of the module
// and requires each http.Server literal to set serverLimits, so that a new
// server (a command, an example, a harness helper) cannot be added without
// them.
func TestEveryServerSetsItsLimits(t *testing.T) {
	fset := token.NewFileSet()
	servers := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		httpName := ""
		for _, imp := range f.Imports {
			if imp.Path.Value == `"net/http"` {
				httpName = "http"
				if imp.Name != nil {
					httpName = imp.Name.Name
				}
			}
		}
		if httpName == "" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			sel, ok := lit.Type.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Server" {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != httpName {
				return true
			}
			servers++
			set := map[string]bool{}
			for _, e := range lit.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if key, ok := kv.Key.(*ast.Ident); ok {
						set[key.Name] = true
					}
				}
			}
			for _, field := range serverLimits {
				if !set[field] {
					t.Errorf("%s: an http.Server without %s", fset.Position(lit.Pos()), field)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if servers < 3 {
		t.Errorf("found %d http.Server literals; refserver, cmd/fakebackend and the harness have one each", servers)
	}
}
