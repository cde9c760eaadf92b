package readmetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// moduleRoot is where README.md and go.mod are, from this package's directory.
const moduleRoot = "../../.."

// knownImports maps a package name a snippet may use to its import path. A fragment's
// imports are added from this table for each name it uses as name.Something.
var knownImports = map[string]string{
	"context":        "context",
	"errors":         "errors",
	"fmt":            "fmt",
	"http":           "net/http",
	"httptest":       "net/http/httptest",
	"log":            "log",
	"os":             "os",
	"signal":         "os/signal",
	"slog":           "log/slog",
	"testing":        "testing",
	"time":           "time",
	"asynq":          "github.com/hibiken/asynq",
	"chi":            "github.com/go-chi/chi/v5",
	"echo":           "github.com/labstack/echo/v4",
	"fiber":          "github.com/gofiber/fiber/v2",
	"gin":            "github.com/gin-gonic/gin",
	"pgx":            "github.com/jackc/pgx/v5",
	"pgxpool":        "github.com/jackc/pgx/v5/pgxpool",
	"redis":          "github.com/redis/go-redis/v9",
	"river":          "github.com/riverqueue/river",
	"riverpgxv5":     "github.com/riverqueue/river/riverdriver/riverpgxv5",
	"asynqjobs":      "github.com/webhookkit/openai-webhooks/asynqjobs",
	"core":           "github.com/webhookkit/openai-webhooks/core",
	"diagnose":       "github.com/webhookkit/openai-webhooks/diagnose",
	"echoadapter":    "github.com/webhookkit/openai-webhooks/echoadapter",
	"echov5adapter":  "github.com/webhookkit/openai-webhooks/echov5adapter",
	"fiberadapter":   "github.com/webhookkit/openai-webhooks/fiberadapter",
	"fiberv3adapter": "github.com/webhookkit/openai-webhooks/fiberv3adapter",
	"ginadapter":     "github.com/webhookkit/openai-webhooks/ginadapter",
	"idempotency":    "github.com/webhookkit/openai-webhooks/idempotency",
	"lambda":         "github.com/aws/aws-lambda-go/lambda",
	"lambdaadapter":  "github.com/webhookkit/openai-webhooks/lambdaadapter",
	"nethttp":        "github.com/webhookkit/openai-webhooks/nethttp",
	"otelwebhooks":   "github.com/webhookkit/openai-webhooks/otelwebhooks",
	"redisstore":     "github.com/webhookkit/openai-webhooks/idempotency/redisstore",
	"riverjobs":      "github.com/webhookkit/openai-webhooks/riverjobs",
	"webhooktest":    "github.com/webhookkit/openai-webhooks/webhooktest",
}

// snippetPrelude declares, for fragments, the values the README's prose introduces once
// (the verifier, a Mux, a context, clients): a fragment may use them without declaring
// them, and nothing else.
const snippetPrelude = `
var (
	verifier *core.Verifier
	mux      *core.Mux
	ctx      context.Context
	logger   *slog.Logger
)

var _, _, _, _ = verifier, mux, ctx, logger
`

var (
	fence      = regexp.MustCompile("(?ms)^```go\\n(.*?)^```")
	importLine = regexp.MustCompile(`(?m)^import (\([^)]*\)|"[^"]*")\n`)
	topLevel   = regexp.MustCompile(`(?m)^(func|type|var|const) `)
	// lineComment is a // comment not preceded by a colon (which would be a URL's).
	lineComment = regexp.MustCompile(`(^|[^:])//.*`)
)

// snippet is one Go block of a Markdown file.
type snippet struct {
	file string // relative to the module root
	n    int    // 1 for the file's first Go block
	code string
}

// TestReadmeSnippetsCompile extracts each Go block of README.md and docs/*.md and runs go
// vet on it: a block that starts with "package" as it is, any other as a fragment:
// top-level declarations as they are, statements inside a function, with the imports it
// uses and snippetPrelude.
func TestReadmeSnippetsCompile(t *testing.T) {
	docs, err := filepath.Glob(filepath.Join(moduleRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	var snippets []snippet
	for _, path := range append([]string{filepath.Join(moduleRoot, "README.md")}, docs...) {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(moduleRoot, path)
		for i, b := range fence.FindAllSubmatch(text, -1) {
			snippets = append(snippets, snippet{file: filepath.ToSlash(rel), n: i + 1, code: string(b[1])})
		}
		if rel == "README.md" && len(snippets) < 5 {
			t.Fatalf("README.md has %d Go blocks; the quick start alone has more: is the fence pattern still right?", len(snippets))
		}
	}
	dir, err := os.MkdirTemp(moduleRoot, "_readme_snippets_")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var pkgs []string
	for i, sn := range snippets {
		src := wrap(sn)
		pkg := filepath.Join(dir, fmt.Sprintf("s%02d", i+1))
		if err := os.MkdirAll(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pkg, "snippet.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, "./"+filepath.ToSlash(filepath.Join(filepath.Base(dir), filepath.Base(pkg))))
	}
	cmd := exec.Command("go", append([]string{"vet"}, pkgs...)...)
	cmd.Dir = moduleRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		var index strings.Builder
		for i, sn := range snippets {
			fmt.Fprintf(&index, "  s%02d: %s, Go block %d\n", i+1, sn.file, sn.n)
		}
		t.Fatalf("Go blocks of the Markdown files do not vet:\n%s\nwhere\n%s", out, index.String())
	}
}

// wrap turns a Markdown Go block into a Go file.
func wrap(sn snippet) string {
	block := sn.code
	if strings.HasPrefix(strings.TrimSpace(block), "package ") {
		return block
	}
	// A block's own imports win over knownImports for the same name (echo v5, fiber v3).
	own, ownNames := map[string]bool{}, map[string]bool{}
	for _, m := range importLine.FindAllString(block, -1) {
		for _, path := range regexp.MustCompile(`"([^"]+)"`).FindAllStringSubmatch(m, -1) {
			own[path[1]] = true
			ownNames[importName(path[1])] = true
		}
	}
	body := importLine.ReplaceAllString(block, "")
	if !topLevel.MatchString(body) {
		body = "func snippet() {\n" + body + "}\n"
	}
	code := lineComment.ReplaceAllString(body, "") // a name in a comment needs no import
	uses := map[string]bool{}
	for name, path := range knownImports {
		if !ownNames[name] && regexp.MustCompile(`\b`+name+`\.`).MatchString(code) {
			uses[path] = true
		}
	}
	for path := range own {
		uses[path] = true
	}
	// The prelude needs these three.
	uses["context"], uses["log/slog"], uses[knownImports["core"]] = true, true, true
	var paths []string
	for p := range uses {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	fmt.Fprintf(&b, "// Go block %d of %s.\n\npackage snippet\n\nimport (\n", sn.n, sn.file)
	for _, p := range paths {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	b.WriteString(")\n" + snippetPrelude + "\n" + body)
	return b.String()
}

// importName is the package name of an import path by Go's convention: its last element,
// or the one before a major-version suffix such as /v5.
func importName(path string) string {
	parts := strings.Split(path, "/")
	last := parts[len(parts)-1]
	if len(parts) > 1 && regexp.MustCompile(`^v[0-9]+$`).MatchString(last) {
		return parts[len(parts)-2]
	}
	return last
}
