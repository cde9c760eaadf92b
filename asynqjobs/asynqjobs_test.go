package asynqjobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/webhookkit/openai-webhooks/asynqjobs"
	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// Two receivers (net/http and gin) on one Redis, every delivery sent four times at once
// over both: every answer is 2xx, and the worker's handler runs once per delivery, with
// the delivery exactly as it was signed.
func TestTwoReceiversOneRedisEachDeliveryHandledOnce(t *testing.T) {
	e := newEnv(t)
	// Each receiver has its own connections to Redis, as two replicas would.
	other := redis.NewClient(e.redis.Options())
	t.Cleanup(func() { _ = other.Close() })
	urls := []string{
		e.nethttpReceiver(t, e.enqueuer()),
		e.ginReceiver(t, asynqjobs.NewEnqueuer(asynq.NewClientFromRedisClient(other), asynqjobs.WithQueue(e.queue))),
	}
	rec := newRecorder(nil)
	e.worker(t, asynqjobs.NewTaskHandler(e.verifier, rec, asynqjobs.WithLogger(quiet)), 4)

	const deliveries, copies = 30, 4
	sent := make([]delivery, deliveries)
	for i := range sent {
		typ := core.BatchCompleted
		if i%2 == 1 {
			typ = core.ResponseCompleted
		}
		sent[i] = e.delivery(fmt.Sprintf("wh_twice_%02d", i), typ)
	}
	var wg sync.WaitGroup
	for i, d := range sent {
		for c := range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if status, answer := post(t, urls[c%2], d); status != http.StatusOK {
					t.Errorf("delivery %d, copy %d: %d %s, want 200", i, c, status, answer)
				}
			}()
		}
	}
	wg.Wait()

	waitFor(t, "every task to complete", func() bool {
		q, err := e.inspect.GetQueueInfo(e.queue)
		return err == nil && q.Completed == deliveries && queued(q) == 0
	})
	for _, d := range sent {
		id := d.headers.ID
		if n := rec.count(id); n != 1 {
			t.Errorf("%s handled %d times, want once", id, n)
		}
		got := rec.event(id)
		if got == nil {
			continue
		}
		if !bytes.Equal(got.Raw, d.body) || got.WebhookID != id || got.Headers != d.headers ||
			got.Timestamp.Unix() == 0 || got.ID != "evt_"+id || got.Type == "" {
			t.Errorf("%s: the worker's event %+v differs from the delivery (headers %+v, body %s)", id, got, d.headers, d.body)
		}
	}
	if n := rec.total(); n != deliveries {
		t.Errorf("%d handler calls, want %d", n, deliveries)
	}

	// A redelivery after completion (within the retention) is acknowledged, not queued.
	for i, d := range sent {
		if status, answer := post(t, urls[i%2], d); status != http.StatusOK {
			t.Errorf("redelivery of %s: %d %s, want 200", d.headers.ID, status, answer)
		}
	}
	q, err := e.inspect.GetQueueInfo(e.queue)
	if err != nil || q.Completed != deliveries || queued(q) != 0 {
		t.Fatalf("after redeliveries: %+v %v; want %d completed and nothing queued", q, err, deliveries)
	}
}

// The receiver answers as soon as the task is stored: the handler may still be running,
// and a redelivery while it runs is acknowledged and not queued again.
func TestReceiverAnswersBeforeTheHandlerRuns(t *testing.T) {
	e := newEnv(t)
	url := e.nethttpReceiver(t, e.enqueuer())
	started, release := make(chan struct{}), make(chan struct{})
	rec := newRecorder(func(ctx context.Context, _ *core.Event, _ int) error {
		close(started)
		<-release
		return nil
	})
	e.worker(t, asynqjobs.NewTaskHandler(e.verifier, rec, asynqjobs.WithLogger(quiet)), 2)

	d := e.delivery("wh_slow", core.BatchCompleted)
	if status, answer := post(t, url, d); status != http.StatusOK || !strings.Contains(answer, `"received":true`) {
		t.Fatalf("delivery: %d %s, want 200 {\"received\":true}", status, answer)
	}
	select {
	case <-started:
	case <-time.After(time.Minute):
		t.Fatal("the worker did not start the task within a minute")
	}
	if status, _ := post(t, url, d); status != http.StatusOK {
		t.Fatalf("redelivery while the handler runs: %d, want 200", status)
	}
	if state, _ := e.taskState(t, "wh_slow"); state != asynq.TaskStateActive {
		t.Fatalf("task state %v while the handler runs, want active", state)
	}
	close(release)
	waitFor(t, "the task to complete", func() bool {
		state, _ := e.taskState(t, "wh_slow")
		return state == asynq.TaskStateCompleted
	})
	if n := rec.count("wh_slow"); n != 1 {
		t.Fatalf("handled %d times, want once", n)
	}
}

// A handler that fails once is retried by asynq, and its second run succeeds.
func TestHandlerFailingOnceIsRetried(t *testing.T) {
	e := newEnv(t)
	url := e.nethttpReceiver(t, e.enqueuer())
	var retryCount int
	rec := newRecorder(func(ctx context.Context, _ *core.Event, call int) error {
		if call == 1 {
			return errors.New("batch output download failed")
		}
		retryCount, _ = asynq.GetRetryCount(ctx)
		return nil
	})
	e.worker(t, asynqjobs.NewTaskHandler(e.verifier, rec, asynqjobs.WithLogger(quiet)), 1)

	if status, answer := post(t, url, e.delivery("wh_flaky", core.BatchCompleted)); status != http.StatusOK {
		t.Fatalf("delivery: %d %s, want 200", status, answer)
	}
	var info *asynq.TaskInfo
	waitFor(t, "the retried task to complete", func() bool {
		var state asynq.TaskState
		state, info = e.taskState(t, "wh_flaky")
		return state == asynq.TaskStateCompleted
	})
	if n := rec.count("wh_flaky"); n != 2 || retryCount != 1 {
		t.Fatalf("handled %d times, the last with retry count %d; want 2 and 1", n, retryCount)
	}
	if info.Retried != 1 || !strings.Contains(info.LastErr, "batch output download failed") {
		t.Fatalf("task retried %d times, last error %q; want 1 and the handler's error", info.Retried, info.LastErr)
	}
}

// A handler that always fails is retried WithMaxRetry times, then the task is archived (a
// redelivery of it is still acknowledged and not queued again); replayed with the
// Inspector, it is handled.
func TestFailingTaskIsArchivedThenReplayed(t *testing.T) {
	e := newEnv(t)
	url := e.nethttpReceiver(t, e.enqueuer(asynqjobs.WithMaxRetry(2)))
	var failing atomic.Bool
	failing.Store(true)
	rec := newRecorder(func(context.Context, *core.Event, int) error {
		if failing.Load() {
			return errors.New("the API is down")
		}
		return nil
	})
	e.worker(t, asynqjobs.NewTaskHandler(e.verifier, rec, asynqjobs.WithLogger(quiet)), 1)

	d := e.delivery("wh_dead", core.ResponseCompleted)
	if status, answer := post(t, url, d); status != http.StatusOK {
		t.Fatalf("delivery: %d %s, want 200", status, answer)
	}
	var info *asynq.TaskInfo
	waitFor(t, "the task to be archived", func() bool {
		var state asynq.TaskState
		state, info = e.taskState(t, "wh_dead")
		return state == asynq.TaskStateArchived
	})
	if n := rec.count("wh_dead"); n != 3 || info.Retried != 2 || !strings.Contains(info.LastErr, "the API is down") {
		t.Fatalf("archived after %d runs, %d retries, last error %q; want 3 runs, 2 retries, the handler's error", n, info.Retried, info.LastErr)
	}
	if status, _ := post(t, url, d); status != http.StatusOK {
		t.Fatalf("redelivery of an archived task: %d, want 200", status)
	}
	if state, _ := e.taskState(t, "wh_dead"); state != asynq.TaskStateArchived {
		t.Fatalf("after the redelivery the task is %v, want still archived", state)
	}

	failing.Store(false)
	if err := e.inspect.RunTask(e.queue, "wh_dead"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replayed task to complete", func() bool {
		state, _ := e.taskState(t, "wh_dead")
		return state == asynq.TaskStateCompleted
	})
	if n := rec.count("wh_dead"); n != 4 {
		t.Fatalf("handled %d times, want 4 (3 failures, then the replay)", n)
	}
}

// Tasks written into Redis by someone without the secret never reach the handler: they
// are logged with their task id and archived, at once when they can never pass (not a
// payload, a copy under another id, genuine or not), after their retries when their
// signature does not verify (the worker might lack a secret: see
// TestTaskOfAnOldSecretRetriesUntilTheWorkerHasIt).
func TestForgedTasksNeverReachTheHandler(t *testing.T) {
	e := newEnv(t)
	url := e.nethttpReceiver(t, e.enqueuer())

	// Genuine payloads, as the receiver stores them.
	genuine := e.delivery("wh_genuine", core.BatchCompleted)
	victim := e.delivery("wh_victim", core.BatchCompleted)
	payload := map[string][]byte{}
	for _, d := range []delivery{genuine, victim} {
		if status, answer := post(t, url, d); status != http.StatusOK {
			t.Fatalf("delivery %s: %d %s", d.headers.ID, status, answer)
		}
		_, info := e.taskState(t, d.headers.ID)
		if info == nil {
			t.Fatalf("no task for %s", d.headers.ID)
		}
		payload[d.headers.ID] = info.Payload
	}
	// The victim's task is taken away, so that a forgery can take its id.
	if err := e.inspect.DeleteTask(e.queue, "wh_victim"); err != nil {
		t.Fatal(err)
	}
	v := payload["wh_victim"]
	forged := map[string][]byte{
		"wh_victim":           bytes.Replace(v, []byte(`"obj_evt_wh_victim"`), []byte(`"obj_evt_wh_victiM"`), 1), // body changed
		"forged-garbage":      []byte("\x00\xffnot a delivery"),
		"forged-empty":        nil,
		"forged-truncated":    v[:40],
		"wh_victim_other_id":  bytes.Replace(v, []byte("webhook-id: wh_victim"), []byte("webhook-id: wh_victim_other_ts"), 1),
		"forged-copy-genuine": payload["wh_genuine"], // a genuine delivery under another task id
		"wh_victim_bad_ts": bytes.Replace(bytes.Replace(v, []byte("webhook-id: wh_victim"), []byte("webhook-id: wh_victim_bad_ts"), 1),
			[]byte("webhook-timestamp: "), []byte("webhook-timestamp: x"), 1), // no secret can make it verify
	}
	for id, p := range forged {
		if bytes.Equal(p, v) {
			t.Fatalf("forged task %s: the payload was not changed", id)
		}
		if _, err := e.client.Enqueue(asynq.NewTask(asynqjobs.TypePrefix+"batch.completed", p), asynq.Queue(e.queue), asynq.TaskID(id), asynq.MaxRetry(5), asynq.Retention(time.Hour)); err != nil {
			t.Fatalf("writing forged task %s: %v", id, err)
		}
	}

	logs := &testkit.LockedBuffer{}
	rec := newRecorder(nil)
	e.worker(t, asynqjobs.NewTaskHandler(e.verifier, rec, asynqjobs.WithLogger(slog.New(slog.NewJSONHandler(logs, nil)))), 2)

	waitFor(t, "every task to be completed or archived", func() bool {
		q, err := e.inspect.GetQueueInfo(e.queue)
		return err == nil && queued(q) == q.Archived && q.Completed+q.Archived == 1+len(forged)
	})
	if n, all := rec.count("wh_genuine"), rec.total(); n != 1 || all != 1 {
		t.Fatalf("the handler ran %d times, %d for the genuine delivery; want only the genuine one, once", all, n)
	}
	for id := range forged {
		state, info := e.taskState(t, id)
		if state != asynq.TaskStateArchived {
			t.Errorf("forged task %s is %v, want archived", id, state)
			continue
		}
		wantRetried := 0
		if id == "wh_victim" {
			wantRetried = 5 // its MaxRetry: the signature does not verify, and no more can be told
		}
		if info.Retried != wantRetried || !strings.Contains(info.LastErr, "not a genuine delivery") {
			t.Errorf("forged task %s: retried %d times, last error %q; want archived after %d retries", id, info.Retried, info.LastErr, wantRetried)
		}
		if !strings.Contains(logs.String(), `"task_id":"`+id+`"`) {
			t.Errorf("forged task %s is not logged with its task id:\n%s", id, logs)
		}
	}
	// Which check refused which forgery.
	for id, want := range map[string]string{
		"wh_victim":           "no matching webhook signature",
		"wh_victim_other_id":  "task id is not the delivery's webhook-id", // whatever its signature: no secret can fix it
		"forged-garbage":      "does not start with",
		"forged-copy-genuine": "task id is not the delivery's webhook-id",
		"wh_victim_bad_ts":    "webhook-timestamp",
	} {
		if _, info := e.taskState(t, id); !strings.Contains(info.LastErr, want) {
			t.Errorf("forged task %s: last error %q, want it to contain %q", id, info.LastErr, want)
		}
	}
}

// While Redis is down the receiver answers non-2xx and stores nothing, so OpenAI retries;
// the retry, once Redis is back, is stored and handled once.
func TestRedisDownAtEnqueueIsNotAcknowledged(t *testing.T) {
	e := newEnv(t)
	proxy := startProxy(t, e.redis.Options().Addr)
	viaProxy := redis.NewClient(&redis.Options{Addr: proxy.addr, DB: e.redis.Options().DB})
	t.Cleanup(func() { _ = viaProxy.Close() })
	url := e.nethttpReceiver(t, asynqjobs.NewEnqueuer(asynq.NewClientFromRedisClient(viaProxy), asynqjobs.WithQueue(e.queue)))
	rec := newRecorder(nil)
	e.worker(t, asynqjobs.NewTaskHandler(e.verifier, rec, asynqjobs.WithLogger(quiet)), 2)

	before := e.delivery("wh_before", core.BatchCompleted)
	if status, answer := post(t, url, before); status != http.StatusOK {
		t.Fatalf("with Redis up: %d %s, want 200", status, answer)
	}

	proxy.setDown(true)
	during := e.delivery("wh_during", core.BatchCompleted)
	for range 2 {
		if status, _ := post(t, url, during); status >= 200 && status <= 299 {
			t.Fatalf("with Redis down: %d, want non-2xx so that OpenAI retries", status)
		}
	}
	if _, err := e.inspect.GetTaskInfo(e.queue, "wh_during"); !errors.Is(err, asynq.ErrTaskNotFound) {
		t.Fatalf("a task was stored for the refused delivery (%v)", err)
	}

	proxy.setDown(false)
	if status, answer := post(t, url, during); status != http.StatusOK {
		t.Fatalf("OpenAI's retry with Redis back: %d %s, want 200", status, answer)
	}
	waitFor(t, "both deliveries to be handled", func() bool {
		q, err := e.inspect.GetQueueInfo(e.queue)
		return err == nil && q.Completed == 2 && queued(q) == 0
	})
	if a, b := rec.count("wh_before"), rec.count("wh_during"); a != 1 || b != 1 {
		t.Fatalf("handled %d and %d times, want once each", a, b)
	}
}
