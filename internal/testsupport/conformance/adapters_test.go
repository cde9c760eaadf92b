package conformance_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// adapters maps each adapter to the folder (from the module root) of the test that runs
// the suite against it.
var adapters = map[string]string{
	"nethttp":        "internal/testsupport/conformance",
	"ginadapter":     "ginadapter",
	"echoadapter":    "echoadapter",
	"echov5adapter":  "echov5adapter",
	"fiberadapter":   "fiberadapter",
	"fiberv3adapter": "fiberv3adapter",
	"lambdaadapter":  "lambdaadapter",
}

// TestEveryAdapterRunsTheSuite fails when an adapter's tests no longer call
// conformance.Run with a driver that imports that adapter: go test ./... then runs the
// suite against every adapter.
func TestEveryAdapterRunsTheSuite(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	for adapter, dir := range adapters {
		files, err := filepath.Glob(filepath.Join(root, dir, "*_test.go"))
		if err != nil || len(files) == 0 {
			t.Errorf("%s: no test files in %s (%v)", adapter, dir, err)
			continue
		}
		found := false
		for _, name := range files {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			file, err := parser.ParseFile(token.NewFileSet(), name, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			if importsAdapter(file, adapter) && callsRun(file) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no test in %s calls conformance.Run with a driver of the adapter", adapter, dir)
		}
	}
}

func importsAdapter(f *ast.File, adapter string) bool {
	for _, imp := range f.Imports {
		if strings.HasSuffix(strings.Trim(imp.Path.Value, `"`), "/openai-webhooks/"+adapter) {
			return true
		}
	}
	return false
}

func callsRun(f *ast.File) bool {
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return !found
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Run" {
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "conformance" {
				found = true
			}
		}
		return !found
	})
	return found
}
