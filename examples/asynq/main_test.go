package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testredis"
)

// setup starts a Redis and returns the environment both roles read, with a fresh secret
// and its signer.
func setup(t *testing.T) (map[string]string, *core.Signer) {
	t.Helper()
	client := testredis.Start(t)
	secret, _, signer := conformance.Keys(t)
	redisURL := fmt.Sprintf("redis://%s/%d", client.Options().Addr, client.Options().DB)
	return map[string]string{core.EnvSecret: secret, "REDIS_URL": redisURL, "PORT": "0", "HOST": "127.0.0.1"}, signer
}

func startReceiver(t *testing.T, env map[string]string) string {
	t.Helper()
	base, _ := conformance.StartExample(t, func(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
		return run(ctx, "receiver", getenv, stdout)
	}, env)
	return base
}

// worker is a worker role running in the test.
type worker struct {
	output *syncBuffer
	stop   func() error // shuts the worker down and returns what run returned
}

func startWorker(t *testing.T, env map[string]string) *worker {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &worker{output: &syncBuffer{}}
	done := make(chan error, 1)
	go func() { done <- run(ctx, "worker", func(k string) string { return env[k] }, w.output) }()
	var once sync.Once
	var runErr error
	w.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				runErr = fmt.Errorf("the worker did not stop within 30 s of shutdown")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := w.stop(); err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	waitFor(t, w.output, "worker started")
	return w
}

// waitFor waits until out contains want; it fails the test after a minute.
func waitFor(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !strings.Contains(out.String(), want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after a minute the output does not contain %q:\n%s", want, out)
		}
	}
}

// unique returns a suffix that makes a test's webhook-ids its own: with REDIS_URL set,
// tasks of earlier runs may still be in Redis, and a delivery with the same id would be
// taken for a redelivery.
func unique() string { return strconv.FormatInt(time.Now().UnixNano(), 36) }

func deliver(t *testing.T, base string, signer *core.Signer, id string, typ core.EventType) {
	t.Helper()
	body := conformance.EventBody("evt_"+id, typ)
	req, err := http.NewRequest(http.MethodPost, base+"/webhooks/openai", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	signer.Headers(id, time.Now(), body).Set(req.Header)
	if status, answer := conformance.Do(t, req); status != http.StatusOK || !strings.Contains(answer, `"received":true`) {
		t.Fatalf("delivery %s: %d %s, want 200 {\"received\":true}", id, status, answer)
	}
}

// A receiver and a worker on one Redis: every delivery is answered 200 and handled once
// by the worker, redeliveries included.
func TestReceiverAndWorker(t *testing.T) {
	env, signer := setup(t)
	base := startReceiver(t, env)
	env["DOWNLOAD_TIME"] = "200ms"
	w := startWorker(t, env)

	runID := unique()
	deliver(t, base, signer, "wh_batch_"+runID, core.BatchCompleted)
	deliver(t, base, signer, "wh_response_"+runID, core.ResponseCompleted)
	deliver(t, base, signer, "wh_batch_"+runID, core.BatchCompleted) // OpenAI's retry
	waitFor(t, w.output, "event_id=evt_wh_batch_"+runID)
	waitFor(t, w.output, "event_id=evt_wh_response_"+runID)
	// A wrongly queued copy of the redelivery would be taken from the queue, and start
	// downloading, before this later delivery.
	deliver(t, base, signer, "wh_last_"+runID, core.ResponseCompleted)
	waitFor(t, w.output, "event_id=evt_wh_last_"+runID)
	if n := strings.Count(w.output.String(), "batch_id=obj_evt_wh_batch_"+runID); n != 1 {
		t.Fatalf("batch.completed started %d times, want once:\n%s", n, w.output)
	}

	req, _ := http.NewRequest(http.MethodGet, base+"/health", nil)
	if status, answer := conformance.Do(t, req); status != http.StatusOK {
		t.Fatalf("GET /health: %d %s", status, answer)
	}
}

// A worker told to stop in the middle of a task finishes it before it exits.
func TestWorkerFinishesItsTaskOnShutdown(t *testing.T) {
	env, signer := setup(t)
	base := startReceiver(t, env)
	env["DOWNLOAD_TIME"] = "1s"
	w := startWorker(t, env)

	runID := unique()
	deliver(t, base, signer, "wh_shutdown_"+runID, core.BatchCompleted)
	waitFor(t, w.output, "msg=\"downloading batch output\"")
	if err := w.stop(); err != nil {
		t.Fatalf("worker shutdown: %v", err)
	}
	out := w.output.String()
	if !strings.Contains(out, "type=batch.completed event_id=evt_wh_shutdown_"+runID) || !strings.Contains(out, "worker stopped") {
		t.Fatalf("the worker did not finish its task before stopping:\n%s", out)
	}
}

func TestStartFailsClearly(t *testing.T) {
	env, _ := setup(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed.Close() // nothing listens there any more
	for name, tc := range map[string]struct {
		role string
		env  map[string]string
		want string
	}{
		"no secret":         {"receiver", map[string]string{"REDIS_URL": env["REDIS_URL"]}, core.EnvSecret},
		"unknown role":      {"scheduler", env, "-role receiver or -role worker"},
		"bad REDIS_URL":     {"worker", map[string]string{core.EnvSecret: env[core.EnvSecret], "REDIS_URL": "localhost:6379"}, "REDIS_URL"},
		"receiver, no DB":   {"receiver", map[string]string{core.EnvSecret: env[core.EnvSecret], "REDIS_URL": "redis://" + closed.Addr().String()}, "redis does not answer"},
		"worker, no DB":     {"worker", map[string]string{core.EnvSecret: env[core.EnvSecret], "REDIS_URL": "redis://" + closed.Addr().String()}, "redis does not answer"},
		"bad DOWNLOAD_TIME": {"worker", map[string]string{core.EnvSecret: env[core.EnvSecret], "REDIS_URL": env["REDIS_URL"], "DOWNLOAD_TIME": "soon"}, "DOWNLOAD_TIME"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := run(ctx, tc.role, func(k string) string { return tc.env[k] }, io.Discard)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: run returned %v, want an error containing %q", name, err, tc.want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
