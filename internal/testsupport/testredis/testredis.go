// Package testredis gives tests a Redis to talk to.
//
// Start connects to REDIS_URL when it is set. Otherwise it starts a private redis-server
// on a free loopback port, with persistence off, and stops it when the test ends. When
// neither is possible the test FAILS, saying how to install Redis, so that `go test ./...`
// cannot pass while the Redis tests silently did not run. To run the other tests on a
// machine without Redis, set OPENAI_WEBHOOKS_SKIP_REDIS=1: the Redis tests are then
// skipped, with a notice on stderr. Under CI=true a missing Redis always fails.
package testredis

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// EnvURL names the environment variable holding the URL of an existing Redis to use,
// such as redis://localhost:6379/15. Tests must not assume that server is empty, and
// nothing here flushes it: use unique keys or prefixes.
const EnvURL = "REDIS_URL"

// EnvSkip names the environment variable that, set to 1 (or true), skips the tests that
// need Redis when no Redis is available, instead of failing them.
const EnvSkip = "OPENAI_WEBHOOKS_SKIP_REDIS"

// MissingMessage is the reason given when no Redis is available.
const MissingMessage = "redis-server not found: install it (apt-get install -y redis-server), set REDIS_URL to a Redis to use, or set " + EnvSkip + "=1 to skip the tests that need Redis"

var (
	warnOnce = new(sync.Once)
	// stderr receives the loud skip notice; tests of this package swap it.
	stderr io.Writer = os.Stderr
)

// Start returns a client connected to a Redis for the test, closed when the test ends.
// See the package documentation for where that Redis comes from.
func Start(t testing.TB) *redis.Client {
	t.Helper()
	if url := os.Getenv(EnvURL); url != "" {
		return dial(t, url)
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		missing(t)
		return nil
	}
	addr := startServer(t, bin)
	return dial(t, "redis://"+addr)
}

// missing fails the test, or skips it when EnvSkip is set (never under CI=true).
func missing(t testing.TB) {
	t.Helper()
	testkit.MissingPrerequisite(t, MissingMessage, EnvSkip, "redis-server not found and "+EnvSkip+" is set: the tests that need Redis are SKIPPED", warnOnce, stderr)
}

func dial(t testing.TB, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("testredis: cannot parse %s=%q: %v (want e.g. redis://127.0.0.1:6379/0)", EnvURL, url, err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { _ = client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		t.Fatalf("testredis: no answer to PING from %s: %v (is the server running and reachable?)", opts.Addr, err)
	}
	return client
}

// startServer runs redis-server on a free loopback port until the test ends and returns
// its address. It retries with another port if the chosen one was taken meanwhile.
func startServer(t testing.TB, bin string) string {
	t.Helper()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		addr, err := tryStart(t, bin)
		if err == nil {
			return addr
		}
		lastErr = err
	}
	t.Fatalf("testredis: could not start %s: %v", bin, lastErr)
	return ""
}

func tryStart(t testing.TB, bin string) (string, error) {
	port, err := testkit.FreePort()
	if err != nil {
		return "", fmt.Errorf("no free loopback port: %w", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var output bytes.Buffer
	cmd := exec.Command(bin,
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(port),
		"--save", "",
		"--appendonly", "no",
		"--dir", t.TempDir(),
		"--daemonize", "no",
	)
	cmd.Stdout = &output
	cmd.Stderr = &output
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}

	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := client.Ping(ctx).Err()
		cancel()
		if err == nil {
			break
		}
		select {
		case werr := <-exited:
			// Wait has returned, so output is complete and safe to read.
			return "", fmt.Errorf("redis-server exited (%v) before answering PING; its output:\n%s", werr, output.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("redis-server did not answer PING on %s within 10s (last error: %v); its output:\n%s", addr, err, output.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Cleanup(stop)
	return addr, nil
}
