package asynqjobs_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/webhookkit/openai-webhooks/asynqjobs"
	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/ginadapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testredis"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// quiet drops the receivers' logs; tests assert answers and handler calls.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// env is one test's Redis, queue, keys and asynq client.
type env struct {
	redis    *redis.Client
	queue    string
	secret   string
	verifier *core.Verifier
	signer   *core.Signer
	client   *asynq.Client
	inspect  *asynq.Inspector
}

var queueSeq atomic.Int64

// newEnv starts (or connects to) a Redis and picks a queue of the test's own, deleted at
// the end, so that tests sharing a REDIS_URL server do not see each other's tasks.
func newEnv(t testing.TB) *env {
	t.Helper()
	client := testredis.Start(t)
	secret, v, s := conformance.Keys(t)
	e := &env{
		redis:    client,
		queue:    fmt.Sprintf("asynqjobs-test-%d-%d", time.Now().UnixNano(), queueSeq.Add(1)),
		secret:   secret,
		verifier: v,
		signer:   s,
		client:   asynq.NewClientFromRedisClient(client),
		inspect:  asynq.NewInspectorFromRedisClient(client),
	}
	t.Cleanup(func() { e.deleteQueue() })
	return e
}

// deleteQueue removes the test's queue, its tasks and its statistics from Redis.
func (e *env) deleteQueue() {
	_, _ = e.inspect.DeleteAllCompletedTasks(e.queue)
	_ = e.inspect.DeleteQueue(e.queue, true)
	ctx := context.Background()
	iter := e.redis.Scan(ctx, 0, "asynq:{"+e.queue+"}:*", 100).Iterator()
	for iter.Next(ctx) {
		e.redis.Del(ctx, iter.Val())
	}
}

// enqueuer returns an Enqueuer on the test's queue.
func (e *env) enqueuer(opts ...asynqjobs.Option) *asynqjobs.Enqueuer {
	return asynqjobs.NewEnqueuer(e.client, append([]asynqjobs.Option{asynqjobs.WithQueue(e.queue)}, opts...)...)
}

// nethttpReceiver serves the Enqueuer with the net/http adapter on loopback.
func (e *env) nethttpReceiver(t testing.TB, enq *asynqjobs.Enqueuer) string {
	srv := httptest.NewServer(nethttp.Handler(e.verifier, enq, nethttp.WithLogger(quiet)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// ginReceiver serves the Enqueuer with the gin adapter on loopback.
func (e *env) ginReceiver(t testing.TB, enq *asynqjobs.Enqueuer) string {
	r := gin.New()
	r.POST("/webhooks/openai", ginadapter.Handler(e.verifier, enq, ginadapter.WithLogger(quiet)))
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL + "/webhooks/openai"
}

// worker starts an asynq server on the test's queue running h, shut down when the test
// ends. Retries come after 10 ms and are picked up within 50 ms, so that tests of retries
// take milliseconds rather than asynq's minutes.
func (e *env) worker(t testing.TB, h asynq.Handler, concurrency int) *asynq.Server {
	t.Helper()
	srv := asynq.NewServerFromRedisClient(e.redis, asynq.Config{
		Concurrency:              concurrency,
		Queues:                   map[string]int{e.queue: 1},
		RetryDelayFunc:           func(int, error, *asynq.Task) time.Duration { return 10 * time.Millisecond },
		DelayedTaskCheckInterval: 50 * time.Millisecond,
		TaskCheckInterval:        20 * time.Millisecond,
		ShutdownTimeout:          2 * time.Second,
		LogLevel:                 asynq.FatalLevel, // expected failures would fill the output
	})
	if err := srv.Start(h); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv
}

// delivery is one signed delivery.
type delivery struct {
	body    []byte
	headers core.Headers
}

func (e *env) delivery(id string, typ core.EventType) delivery {
	body := conformance.EventBody("evt_"+id, typ)
	return delivery{body: body, headers: e.signer.Headers(id, time.Now(), body)}
}

// post sends d to url and returns the status and body of the answer.
func post(t testing.TB, url string, d delivery) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.body))
	if err != nil {
		t.Fatal(err)
	}
	d.headers.Set(req.Header)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", url, err)
		return 0, ""
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer)
}

// waitFor polls cond until it holds, and fails the test after a minute: the wait is for
// an outcome, not a measure of speed.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	waitWithin(t, time.Minute, what, cond)
}

// waitWithin polls cond until it holds, and fails the test after limit.
func waitWithin(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting after %v for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// taskState returns the state of the task with the given id, or 0 if there is none.
func (e *env) taskState(t testing.TB, id string) (asynq.TaskState, *asynq.TaskInfo) {
	t.Helper()
	info, err := e.inspect.GetTaskInfo(e.queue, id)
	if err != nil {
		return 0, nil
	}
	return info.State, info
}

// recorder is a core.Handler that counts calls by webhook-id and keeps the events.
type recorder struct {
	calls  testkit.Counter
	mu     sync.Mutex
	events map[string]*core.Event
	fn     func(ctx context.Context, e *core.Event, call int) error // optional behaviour
}

func newRecorder(fn func(ctx context.Context, e *core.Event, call int) error) *recorder {
	return &recorder{events: map[string]*core.Event{}, fn: fn}
}

func (r *recorder) HandleEvent(ctx context.Context, e *core.Event) error {
	call := r.calls.Add(e.WebhookID)
	r.mu.Lock()
	r.events[e.WebhookID] = e
	r.mu.Unlock()
	if r.fn != nil {
		return r.fn(ctx, e, call)
	}
	return nil
}

func (r *recorder) count(id string) int { return r.calls.Get(id) }

func (r *recorder) total() int { return r.calls.Total() }

func (r *recorder) event(id string) *core.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events[id]
}

// queued counts the tasks of q not completed. (QueueInfo.Size counts completed ones too.)
func queued(q *asynq.QueueInfo) int {
	return q.Pending + q.Active + q.Scheduled + q.Retry + q.Archived + q.Aggregating
}

func redisZ(score float64, member string) redis.Z { return redis.Z{Score: score, Member: member} }
