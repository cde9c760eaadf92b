package layout

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/webhookkit/openai-webhooks"

// moduleRoot is where the go command runs, relative to this package's directory.
const moduleRoot = "../../.."

// goList runs `go list` at the module root with the format and patterns, and returns its
// output's lines.
func goList(t *testing.T, format string, patterns ...string) []string {
	t.Helper()
	args := append([]string{"list", "-f", format}, patterns...)
	cmd := exec.Command("go", args...)
	cmd.Dir = moduleRoot
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// imports maps each package of the module to what its non-test files import.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	m := map[string][]string{}
	for _, line := range goList(t, "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...") {
		fields := strings.Fields(line)
		if len(fields) > 0 {
			m[fields[0]] = fields[1:]
		}
	}
	if len(m) < 20 {
		t.Fatalf("go list found %d packages in the module, want all of them", len(m))
	}
	return m
}

func TestNothingThatShipsImportsTestSupport(t *testing.T) {
	support := module + "/internal/testsupport/"
	for pkg, deps := range imports(t) {
		if strings.HasPrefix(pkg, support) || strings.HasPrefix(pkg, module+"/examples/") {
			continue // test support may use itself; examples are programs with their own tests
		}
		for _, d := range deps {
			if strings.HasPrefix(d, support) {
				t.Errorf("%s imports %s: test support must stay out of what users build", pkg, d)
			}
		}
	}
}

func TestAdaptersDoNotImportEachOther(t *testing.T) {
	adapters := []string{"nethttp", "ginadapter", "echoadapter", "echov5adapter", "fiberadapter", "fiberv3adapter", "lambdaadapter"}
	all := imports(t)
	for _, a := range adapters {
		deps, ok := all[module+"/"+a]
		if !ok {
			t.Errorf("adapter %s not found", a)
			continue
		}
		for _, d := range deps {
			for _, other := range adapters {
				if d == module+"/"+other {
					t.Errorf("%s imports %s: shared logic belongs in internal/receive or internal/adapteropt", a, other)
				}
			}
		}
	}
}

func TestRiverjobsCarriesNoDriver(t *testing.T) {
	deps := goList(t, "{{join .Deps \"\\n\"}}", "./riverjobs")
	if len(deps) < 10 {
		t.Fatalf("go list -deps of riverjobs printed %d packages, want its whole closure", len(deps))
	}
	for _, d := range deps {
		for _, banned := range []string{"github.com/jackc/pgx", "github.com/riverqueue/river/riverdriver/riverpgxv5", "github.com/riverqueue/river/riverdriver/riversqlite", "modernc.org/sqlite"} {
			if d == banned || strings.HasPrefix(d, banned+"/") {
				t.Errorf("riverjobs depends on %s: a program on the other driver would carry it", d)
			}
		}
	}
}
