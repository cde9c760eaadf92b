package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testpg"
)

// binary is the command under test, built once by TestMain and run as a user runs it.
var binary string

// cacheHome is the XDG_CACHE_HOME the command runs with, inside TestMain's directory.
var cacheHome string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "openai-webhooks-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "openai-webhooks")
	// send remembers its last delivery in the user's cache directory: keep the tests' own.
	cacheHome = filepath.Join(dir, "cache")
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, "the go tool is not on PATH:", err)
		os.Exit(1)
	}
	build := exec.Command(goTool, append(args, ".")...)
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := testpg.Run(m) // stops the PostgreSQL server the deadletters tests may start
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// baseEnv is the environment without OPENAI_WEBHOOK_SECRET, plus extra.
func baseEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, core.EnvSecret+"=") {
			env = append(env, kv)
		}
	}
	// A -race binary sleeps 1 s on a successful exit, waiting for late race reports
	// (atexit_sleep_ms); the tests run it a hundred times.
	env = append(env, "GORACE=atexit_sleep_ms=0 halt_on_error=1", "XDG_CACHE_HOME="+cacheHome)
	return append(env, extra...)
}

// runCLI runs the binary with args, stdin and OPENAI_WEBHOOK_SECRET unset unless env sets it.
func runCLI(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = baseEnv(env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running %v: %v", args, err)
		}
		code = exitErr.ExitCode()
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d, want %d\n%s", r.code, code, r)
	}
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func newSecret(t *testing.T) string {
	t.Helper()
	s, err := core.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
