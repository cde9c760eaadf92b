// Package docrun builds and runs the complete programs of the Markdown pages (the Go
// blocks that start with "package main"), so that a test can check that a page's program
// runs as written, on its first try, and not only that it compiles (internal/testsupport/readmetest).
package docrun

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var fence = regexp.MustCompile("(?ms)^```go\\n(.*?)^```")

// Programs returns the Go blocks of the Markdown file at path that are whole programs,
// in the order of the page.
func Programs(t testing.TB, path string) []string {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var programs []string
	for _, m := range fence.FindAllSubmatch(text, -1) {
		if code := string(m[1]); strings.HasPrefix(strings.TrimSpace(code), "package main") {
			programs = append(programs, code)
		}
	}
	return programs
}

// Build builds src as a program of the module whose root is moduleRoot (so that it uses
// this module's packages as they are, and the module's go.mod), and returns the path of
// the binary, removed when t ends.
func Build(t testing.TB, moduleRoot, src string) string {
	t.Helper()
	dir, err := os.MkdirTemp(moduleRoot, "_docrun_")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "program")
	cmd := exec.Command("go", "build", "-o", bin, "./"+filepath.Base(dir))
	cmd.Dir = moduleRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build of the page's program: %v\n%s\n%s", err, out, src)
	}
	return bin
}

// Program is a running program.
type Program struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
}

// Start runs bin with env added to this process's environment and waits until it
// accepts connections on 127.0.0.1:port. It fails the test if the program exits first
// or does not listen within a minute. The program is killed when t ends, if it still
// runs.
func Start(t testing.TB, bin string, port string, env ...string) *Program {
	t.Helper()
	p := &Program{cmd: exec.Command(bin), out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.Stop)
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case <-p.done:
			t.Fatalf("the program exited before listening on port %s:\n%s", port, p.Output())
		default:
		}
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), time.Second); err == nil {
			c.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program did not listen on port %s within a minute:\n%s", port, p.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Output returns what the program printed so far.
func (p *Program) Output() string { return p.out.String() }

// Stop kills the program and waits for it to end.
func (p *Program) Stop() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
