package sqlstore_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoDriverImported: the package takes a *sql.DB and imports no driver, so that a
// SQLite user's binary does not carry pgx, nor a PostgreSQL user's a SQLite engine.
func TestNoDriverImported(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not on PATH; cannot list dependencies")
	}
	const pkg = "github.com/webhookkit/openai-webhooks/idempotency/sqlstore"
	out, err := exec.Command(gobin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep != pkg && dep != "github.com/webhookkit/openai-webhooks/idempotency" {
			t.Errorf("package sqlstore depends on %s; it must import only the standard library and package idempotency", dep)
		}
	}
}
