// Package childproc runs the test binary again as a child process (a replica or a worker
// that a test kills with SIGKILL in the middle of a delivery) and reads what it prints.
// The child's own behaviour is chosen by environment variables that its package's
// TestMain looks for before running any test.
package childproc

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Child is the test binary running as a child process.
type Child struct {
	cmd   *exec.Cmd
	lines chan string
}

// Start runs the test binary with no tests selected and env ("NAME=value") added to this
// process's environment. The child's standard error goes to this process's; each line it
// prints on standard output is read by Next. It is killed when the test ends, if it still
// runs.
func Start(t testing.TB, env ...string) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the test binary as a child process: %v", err)
	}
	c := &Child{cmd: cmd, lines: make(chan string, 8)}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			c.lines <- scanner.Text()
		}
		close(c.lines)
	}()
	return c
}

// Next waits up to timeout for the child's next line, which must start with prefix, and
// returns the rest of it. It fails the test otherwise.
func (c *Child) Next(t testing.TB, prefix string, timeout time.Duration) string {
	t.Helper()
	select {
	case line, ok := <-c.lines:
		if !ok {
			t.Fatalf("the child process ended before printing %q", prefix)
		}
		rest, found := strings.CutPrefix(line, prefix)
		if !found {
			t.Fatalf("the child process printed %q, want %q…", line, prefix)
		}
		return rest
	case <-time.After(timeout):
		t.Fatalf("the child process did not print %q within %v", prefix, timeout)
	}
	return ""
}

// Kill kills the child with SIGKILL, as a crash or an OOM kill would, and waits for it
// to end.
func (c *Child) Kill(t testing.TB) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
}
