package asynqjobs_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/webhookkit/openai-webhooks/asynqjobs"
	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testotel"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// A webhook-id sent twice through the Enqueuer on a real Redis: the second is answered
// duplicate, logged as the idempotency store's duplicates are, and counted duplicate by
// otelwebhooks; an enqueue Redis refuses is counted failed with reason handler_error.
func TestRedeliveryIsAnsweredAndCountedDuplicate(t *testing.T) {
	e := newEnv(t)
	meter := testotel.New(t)
	var logs testkit.LockedBuffer
	srv := httptest.NewServer(nethttp.Handler(e.verifier, e.enqueuer(),
		nethttp.WithObserver(meter.Observer), nethttp.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))))
	t.Cleanup(srv.Close)

	d := e.delivery("wh_sent_twice", core.BatchCompleted)
	if status, answer := post(t, srv.URL, d); status != http.StatusOK || answer != `{"received":true}` {
		t.Fatalf("first delivery: %d %s, want 200 {\"received\":true}", status, answer)
	}
	if status, answer := post(t, srv.URL, d); status != http.StatusOK || answer != `{"received":true,"duplicate":true}` {
		t.Fatalf("second delivery: %d %s, want 200 {\"received\":true,\"duplicate\":true}", status, answer)
	}
	if n := strings.Count(logs.String(), `level=INFO msg="openai-webhooks: duplicate delivery acknowledged" webhook_id=wh_sent_twice`); n != 1 {
		t.Errorf("the duplicate was logged %d times, want once at Info:\n%s", n, logs.String())
	}

	// Redis unreachable: the enqueue fails, the receiver's own failure.
	port, err := testkit.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	closed := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), MaxRetries: -1})
	t.Cleanup(func() { _ = closed.Close() })
	down := httptest.NewServer(nethttp.Handler(e.verifier, asynqjobs.NewEnqueuer(asynq.NewClientFromRedisClient(closed), asynqjobs.WithQueue(e.queue)),
		nethttp.WithObserver(meter.Observer), nethttp.WithLogger(quiet)))
	t.Cleanup(down.Close)
	if status, answer := post(t, down.URL, e.delivery("wh_redis_down", core.BatchFailed)); status != http.StatusInternalServerError {
		t.Fatalf("with Redis down: %d %s, want 500", status, answer)
	}

	want := map[string]int64{
		"event_type=batch.completed,outcome=handled":                  1,
		"event_type=batch.completed,outcome=duplicate":                1,
		"event_type=batch.failed,outcome=failed,reason=handler_error": 1,
	}
	if got := meter.Deliveries(t); !maps.Equal(got, want) {
		t.Fatalf("openai.webhooks.deliveries:\ngot  %v\nwant %v", got, want)
	}
	if _, info := e.taskState(t, "wh_sent_twice"); info == nil || !bytes.Equal(info.Payload[bytes.Index(info.Payload, []byte("\n\n"))+2:], d.body) {
		t.Fatalf("the task of the first delivery: %+v", info)
	}
}

// A worker whose Mux has no handler for the task's type completes the task and logs it.
func TestTaskWithoutHandlerIsCompletedAndLogged(t *testing.T) {
	e := newEnv(t)
	var logs testkit.LockedBuffer
	e.worker(t, asynqjobs.NewTaskHandler(e.verifier, core.NewMux(), asynqjobs.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))), 1)
	url := e.nethttpReceiver(t, e.enqueuer())
	if status, answer := post(t, url, e.delivery("wh_nobody", core.BatchCompleted)); status != http.StatusOK {
		t.Fatalf("%d %s, want 200", status, answer)
	}
	waitFor(t, "the task to complete", func() bool {
		state, _ := e.taskState(t, "wh_nobody")
		return state == asynq.TaskStateCompleted
	})
	if !strings.Contains(logs.String(), `level=INFO msg="openai-webhooks: no handler for the event type; task completed" task_id=wh_nobody event_type=batch.completed`) {
		t.Fatalf("the task no handler took was not logged:\n%s", logs.String())
	}
}
