package riverjobs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/childproc"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/riverjobs/pgxtx"
)

// The test binary doubles as a worker process: with envChildDatabase set it works the
// queue killedQueue with a TxWorker that writes its row, announces the delivery and then
// never returns, so that the test can kill it with its transaction open.
const (
	envChildDatabase = "RIVERJOBS_TEST_WORKER_DATABASE"
	killedQueue      = "killed"
)

func runStuckWorker(url string) error {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	v, err := core.NewVerifier(secret)
	if err != nil {
		return err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, riverjobs.NewTxWorker(v, pgxtx.New(pool), riverjobs.TxHandlerFunc[pgx.Tx](func(ctx context.Context, tx pgx.Tx, e *core.Event) error {
		if _, err := tx.Exec(ctx, `INSERT INTO handled (webhook_id, event_id, worker) VALUES ($1, $2, 'killed')`, e.WebhookID, e.ID); err != nil {
			return err
		}
		fmt.Printf("handling %s\n", e.WebhookID)
		select {} // the process is killed here, its transaction open
	})))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Logger:            quiet,
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{killedQueue: {MaxWorkers: 1}},
		FetchCooldown:     20 * time.Millisecond,
		FetchPollInterval: 200 * time.Millisecond,
		// The test's clients lead: they run the rescuer with a short RescueStuckJobsAfter.
		LeaderElectionDisabled: true,
	})
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return err
	}
	fmt.Println("started")
	select {}
}

// A worker process killed (SIGKILL) while its transaction is open commits nothing; River
// rescues the job and another worker handles it, once.
func TestKilledWorkerCommitsNothingAndItsJobIsHandledOnceElsewhere(t *testing.T) {
	const rescueAfter = 2 * time.Second
	pg := postgres(t)
	pool, url := pg.pool, pg.url
	ctx := context.Background()
	short := func(cfg *river.Config) {
		cfg.JobTimeout = time.Second
		cfg.RescueStuckJobsAfter = rescueAfter
	}
	var handled testkit.Counter
	survivorWorkers := func() *river.Workers {
		workers := river.NewWorkers()
		river.AddWorker(workers, riverjobs.NewTxWorker(mustVerifier(t), pgxtx.New(pool), riverjobs.TxHandlerFunc[pgx.Tx](func(ctx context.Context, tx pgx.Tx, e *core.Event) error {
			handled.Add(e.WebhookID)
			return insertRow(ctx, pg, tx, e, "survivor")
		})))
		return workers
	}

	// The leader runs River's rescuer. Make it a client of this process, working another
	// queue, before the child starts, so that the child never leads.
	leader := newClient(t, pg, survivorWorkers(), "elsewhere", short)
	waitFor(t, "a leader elected", func() (bool, error) {
		return count(t, pg, `SELECT count(*) FROM river_leader WHERE leader_id = $1`, leader.ID()) == 1, nil
	})

	child := childproc.Start(t, envChildDatabase+"="+url)
	next := func(want string) { t.Helper(); child.Next(t, want, 30*time.Second) }
	next("started")

	q := riverjobs.NewEnqueuer(newClient(t, pg, nil, "", nil), riverjobs.WithQueue(killedQueue))
	if err := q.HandleEvent(ctx, mustUnwrap(t, signed(t, "wh_killed"))); err != nil {
		t.Fatal(err)
	}
	next("handling wh_killed")
	child.Kill(t)
	if n := count(t, pg, `SELECT count(*) FROM handled`); n != 0 {
		t.Fatalf("%d rows committed by the killed worker, want 0", n)
	}
	if n := count(t, pg, `SELECT count(*) FROM river_job WHERE state = 'running'`); n != 1 {
		t.Fatalf("%d running jobs after the kill, want 1 (the killed worker's)", n)
	}

	// Once the job has run longer than RescueStuckJobsAfter, hand leadership to a client
	// that works the queue: as the new leader it runs the rescuer at once. (The current
	// leader's rescuer may get there first: its first run can come seconds after it was
	// elected. Then the job is retryable already, and the new client works it just the same.)
	waitFor(t, "the job to be stuck for RescueStuckJobsAfter", func() (bool, error) {
		var state string
		var stuckFor time.Duration
		err := pool.QueryRow(ctx, `SELECT state, now() - attempted_at FROM river_job`).Scan(&state, &stuckFor)
		switch {
		case err != nil:
			return false, err
		case state == "retryable":
			return true, nil
		case state != "running":
			return false, fmt.Errorf("the killed worker's job is %s, want running or retryable", state)
		}
		return stuckFor > rescueAfter+500*time.Millisecond, nil
	})
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := leader.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	newClient(t, pg, survivorWorkers(), killedQueue, short)
	waitFor(t, "the rescued job completed", func() (bool, error) {
		return count(t, pg, `SELECT count(*) FROM river_job WHERE state = 'completed'`) == 1, nil
	})
	if n := count(t, pg, `SELECT count(*) FROM handled WHERE webhook_id = 'wh_killed' AND worker = 'survivor'`); n != 1 {
		t.Fatalf("%d rows for wh_killed, want 1 from the surviving worker", n)
	}
	if n := count(t, pg, `SELECT count(*) FROM handled`); n != 1 {
		t.Fatalf("%d rows in all, want 1", n)
	}
	if n := handled.Get("wh_killed"); n != 1 {
		t.Fatalf("surviving worker ran the handler %d times, want 1", n)
	}
	var attempt int
	var errs string
	if err := pool.QueryRow(ctx, `SELECT attempt, errors::text FROM river_job`).Scan(&attempt, &errs); err != nil {
		t.Fatal(err)
	}
	if attempt != 2 || !strings.Contains(errs, "rescued") {
		t.Fatalf("job attempt %d, errors %s; want attempt 2 after a rescue", attempt, errs)
	}
}
