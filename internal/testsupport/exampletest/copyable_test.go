package exampletest

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestExamplesAreCopyable checks that every example program imports only the module's
// public packages, its framework and the standard library: a user copies main.go into
// their own module, where the module's internal packages cannot be imported.
func TestExamplesAreCopyable(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command in PATH: %v", err)
	}
	cmd := exec.Command(goBin, "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./examples/...")
	cmd.Dir = "../../.." // the module root
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 6 {
		t.Fatalf("go list found %d example programs, want at least 6:\n%s", len(lines), out)
	}
	for _, line := range lines {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			if strings.Contains(imp, "/internal/") || strings.HasSuffix(imp, "/internal") {
				t.Errorf("%s imports %s, which a copy outside this module cannot import", fields[0], imp)
			}
		}
	}
}
