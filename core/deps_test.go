package core_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestStandardLibraryOnly checks the rule of the house: core, idempotency and diagnose
// import the standard library only (and the module's own packages, which are checked
// the same way, being in the list). Standard packages have no dot in their first path element.
func TestStandardLibraryOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	const module = "github.com/webhookkit/openai-webhooks"
	cmd := exec.Command(goBin, "list", "-deps", "./core", "./idempotency", "./diagnose")
	cmd.Dir = ".." // the module root
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("go list: %v\n%s", err, stderr)
	}
	pkgs := strings.Fields(string(out))
	own := 0
	for _, p := range pkgs {
		if p == module || strings.HasPrefix(p, module+"/") {
			own++
			continue
		}
		first, _, _ := strings.Cut(p, "/")
		if strings.Contains(first, ".") {
			t.Errorf("core, idempotency or diagnose depends on %s, outside the standard library", p)
		}
	}
	if own < 3 {
		t.Errorf("go list printed %d packages of the module, want core, idempotency and diagnose at least:\n%s", own, out)
	}
}
