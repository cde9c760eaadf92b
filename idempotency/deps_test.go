package idempotency_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStandardLibraryOnly enforces the rule of the house: package idempotency imports
// the standard library only (package redisstore is where Redis comes in).
func TestStandardLibraryOnly(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not on PATH; cannot list dependencies")
	}
	out, err := exec.Command(gobin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "github.com/webhookkit/openai-webhooks/idempotency").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep != "github.com/webhookkit/openai-webhooks/idempotency" {
			t.Errorf("package idempotency depends on %s; it must import the standard library only", dep)
		}
	}
}
