package asynqjobs_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/webhookkit/openai-webhooks/asynqjobs"
	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/childproc"
)

// The test binary doubles as a worker process: with these variables set it runs an asynq
// server whose handler announces each task and then never returns, so that the test can
// kill the process in the middle of a task.
const (
	envWorkerRedis  = "ASYNQJOBS_TEST_WORKER_REDIS" // a redis:// URL
	envWorkerQueue  = "ASYNQJOBS_TEST_WORKER_QUEUE"
	envWorkerSecret = "ASYNQJOBS_TEST_WORKER_SECRET"
	// envRealLease=1 makes TestKilledWorkersTaskIsRecovered wait for asynq's own lease
	// timing (about a minute) instead of moving the dead worker's lease back.
	envRealLease = "ASYNQJOBS_TEST_REAL_LEASE"
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(envWorkerRedis); addr != "" {
		if err := runStuckWorker(addr, os.Getenv(envWorkerQueue), os.Getenv(envWorkerSecret)); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runStuckWorker(redisURL, queue, secret string) error {
	redisOpt, err := asynq.ParseRedisURI(redisURL)
	if err != nil {
		return err
	}
	v, err := core.NewVerifier(secret)
	if err != nil {
		return err
	}
	stuck := core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		fmt.Printf("handling %s\n", e.WebhookID)
		select {} // the process is killed here, in the middle of the task
	})
	srv := asynq.NewServer(redisOpt, asynq.Config{
		Concurrency:       1,
		Queues:            map[string]int{queue: 1},
		TaskCheckInterval: 20 * time.Millisecond,
		LogLevel:          asynq.FatalLevel,
	})
	if err := srv.Start(asynqjobs.NewTaskHandler(v, stuck, asynqjobs.WithLogger(quiet))); err != nil {
		return err
	}
	fmt.Println("started")
	select {}
}

// A worker process killed with SIGKILL in the middle of a task never finishes it nor hands
// it back: asynq's recoverer takes the task back once the dead worker's lease has run out,
// and another worker handles it.
//
// asynq v0.26.0 gives a worker a lease of 30 s, renewed every 5 s while it lives
// (rdb.LeaseDuration, not configurable), and its recoverer, which runs when a server
// starts and then every minute (also fixed), takes back tasks whose lease ended more than
// 30 s ago. Waiting for that would make the test last over a minute, so by default the
// test moves the dead worker's lease back by 61 s in Redis (the state Redis is in a
// minute after the kill) and then starts the other worker. Set ASYNQJOBS_TEST_REAL_LEASE=1
// to wait for the real timing instead.
func TestKilledWorkersTaskIsRecovered(t *testing.T) {
	e := newEnv(t)
	receiver := e.nethttpReceiver(t, e.enqueuer())
	d := e.delivery("wh_killed", core.BatchCompleted)
	if status, answer := post(t, receiver, d); status != 200 {
		t.Fatalf("delivery: %d %s, want 200", status, answer)
	}

	opts := e.redis.Options()
	redisURL := url.URL{Scheme: "redis", Host: opts.Addr, Path: "/" + strconv.Itoa(opts.DB)}
	if opts.Password != "" {
		redisURL.User = url.UserPassword(opts.Username, opts.Password)
	}
	child := childproc.Start(t,
		envWorkerRedis+"="+redisURL.String(),
		envWorkerQueue+"="+e.queue,
		envWorkerSecret+"="+e.secret)
	child.Next(t, "started", 30*time.Second)
	child.Next(t, "handling wh_killed", 30*time.Second)
	child.Kill(t)
	if state, _ := e.taskState(t, "wh_killed"); state != asynq.TaskStateActive {
		t.Fatalf("right after the kill the task is %v, want active (held by the dead worker)", state)
	}

	wait := time.Minute
	if os.Getenv(envRealLease) == "1" {
		wait = 3 * time.Minute
	} else {
		backdateLease(t, e, "wh_killed", 61*time.Second)
	}
	rec := newRecorder(nil)
	e.worker(t, asynqjobs.NewTaskHandler(e.verifier, rec, asynqjobs.WithLogger(quiet)), 1)
	var info *asynq.TaskInfo
	waitWithin(t, wait, "the other worker to recover and handle the task", func() bool {
		var state asynq.TaskState
		state, info = e.taskState(t, "wh_killed")
		return state == asynq.TaskStateCompleted
	})
	if n := rec.count("wh_killed"); n != 1 {
		t.Fatalf("the other worker handled the task %d times, want once", n)
	}
	if info.Retried != 1 || !strings.Contains(info.LastErr, "lease expired") {
		t.Fatalf("task retried %d times, last error %q; want 1 and asynq's lease expiry", info.Retried, info.LastErr)
	}
}

// backdateLease moves the lease of the active task id back by d. The lease is a member of
// the sorted set asynq:{<queue>}:lease scored by its expiry in Unix seconds (asynq
// v0.26.0's layout; the test fails here if that changes).
func backdateLease(t *testing.T, e *env, id string, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	key := "asynq:{" + e.queue + "}:lease"
	expiry, err := e.redis.ZScore(ctx, key, id).Result()
	if err != nil {
		t.Fatalf("no lease for task %s in %s: %v (has asynq's Redis layout changed?)", id, key, err)
	}
	if err := e.redis.ZAddXX(ctx, key, redisZ(expiry-d.Seconds(), id)).Err(); err != nil {
		t.Fatal(err)
	}
}
