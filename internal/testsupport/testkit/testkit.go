// Package testkit holds the small pieces the tests and test helpers of this module share:
// a free loopback port, a buffer that a running server or process may write to while a
// test reads it, a count of handler calls per webhook-id, and what a test does when a
// server it needs is missing.
package testkit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago, for a server the
// test starts itself (redis-server, postgres, a subprocess). Another process may take it
// meanwhile: callers retry with another port when the server cannot bind it.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("listener address is not TCP")
	}
	return addr.Port, nil
}

// LockedBuffer is a bytes.Buffer safe for concurrent writes (a logger, a process's
// output) and reads. Its zero value is an empty buffer.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns a copy of what was written so far.
func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Counter counts calls per key (a webhook-id), safely from many goroutines. Its zero
// value is ready to use.
type Counter struct {
	mu sync.Mutex
	n  map[string]int
}

// Add counts one more call for key and returns how many there were, this one included.
func (c *Counter) Add(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = make(map[string]int)
	}
	c.n[key]++
	return c.n[key]
}

// Get returns how many calls key had.
func (c *Counter) Get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

// Total returns the calls of all keys together.
func (c *Counter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for _, n := range c.n {
		total += n
	}
	return total
}

// MissingPrerequisite is what a test does when a server or tool it needs is not there:
// it fails with message, which says how to install it, so that a passing `go test ./...`
// means every test ran; or, when the environment variable envSkip is set to 1 or true,
// it skips with skipped, announced once (see Announce: t.Skip is only printed with -v). Under
// CI=true it always fails: CI installs everything.
func MissingPrerequisite(t testing.TB, message, envSkip, skipped string, notice *sync.Once, stderr io.Writer) {
	t.Helper()
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatal(message + " (CI=true: it must be present)")
	}
	if skip, _ := strconv.ParseBool(os.Getenv(envSkip)); !skip {
		t.Fatal(message)
	}
	notice.Do(func() { Announce(stderr, skipped) })
	t.Skip(skipped)
}

// Announce prints a loud notice that a part of the suite is skipped. `go test ./...`
// shows a passing package's stderr only with -v, so when w is the process's stderr the
// notice also goes to the controlling terminal, which go test does not capture: whoever
// runs the suite by hand sees it in plain output. CI has no terminal, and never skips.
func Announce(w io.Writer, notice string) {
	line := fmt.Sprintf("\n!!! %s !!!\n\n", notice)
	fmt.Fprint(w, line)
	if w != io.Writer(os.Stderr) {
		return
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		fmt.Fprint(tty, line)
		tty.Close()
	}
}

// Recorder stands in for a testing.TB to observe what a test helper does when it fails
// or skips: Skip, Fatal and Fatalf record their message and end the helper's goroutine.
type Recorder struct {
	testing.TB
	SkippedWith, FailedWith string
}

// Skip records the message and stops the helper.
func (r *Recorder) Skip(args ...any) { r.SkippedWith = fmt.Sprint(args...); runtime.Goexit() }

// Fatal records the message and stops the helper.
func (r *Recorder) Fatal(args ...any) { r.FailedWith = fmt.Sprint(args...); runtime.Goexit() }

// Fatalf records the message and stops the helper.
func (r *Recorder) Fatalf(format string, args ...any) {
	r.FailedWith = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// Record runs helper with a Recorder on its own goroutine, so that a Skip or Fatal ends
// only that goroutine, and returns what it recorded.
func Record(t testing.TB, helper func(testing.TB)) *Recorder {
	rec := &Recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		helper(rec)
	}()
	<-done
	return rec
}

// WaitFor polls cond every 25 ms until it holds, and fails the test when cond fails or
// when within has passed: a guard against a test hanging, not a timing assertion, so
// within is generous.
func WaitFor(t testing.TB, what string, within time.Duration, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, within)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
