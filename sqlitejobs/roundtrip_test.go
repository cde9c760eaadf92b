package sqlitejobs_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/childproc"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

const processedSchema = `CREATE TABLE IF NOT EXISTS processed_events (webhook_id TEXT NOT NULL, type TEXT NOT NULL)`

// Deliveries sent several times at once through nethttp to an OpenTx queue, whose
// handler fails after its insert on the first attempt of some: in the end one row per
// delivery in the application's table in the same file, and one completed job each.
func TestTransactionalHandlerHasOneEffectPerDelivery(t *testing.T) {
	const deliveries, copies = 20, 3
	path := dbPath(t)
	ctx := context.Background()
	setup := openFile(t, path)
	if _, err := setup.Exec(processedSchema); err != nil {
		t.Fatal(err)
	}
	var attempts testkit.Counter
	mux := riverjobs.NewTxMux[*sql.Tx]()
	riverjobs.OnTx(mux, core.BatchCompleted, func(ctx context.Context, tx *sql.Tx, e *core.Event, data core.BatchData) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO processed_events (webhook_id, type) VALUES (?, ?)`, e.WebhookID, e.Type); err != nil {
			return err
		}
		if attempts.Add(e.WebhookID) == 1 && e.WebhookID[len(e.WebhookID)-1]%3 == 0 {
			return errors.New("the first attempt fails after its insert")
		}
		return nil
	})
	q, err := sqlitejobs.OpenTx(ctx, path, mustVerifier(t), mux, fast, riverjobs.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	stopAtEnd(t, q)
	srv := httptest.NewServer(nethttp.Handler(mustVerifier(t), q, nethttp.WithLogger(quiet)))
	t.Cleanup(srv.Close)

	var wg sync.WaitGroup
	for i := range deliveries {
		d := signed(t, fmt.Sprintf("wh_%02d", i), "batch.completed")
		for range copies {
			wg.Go(func() {
				if status, answer, err := send(srv.URL, d); err != nil || status != 200 {
					t.Errorf("%s: %d %s %v", d.headers.ID, status, answer, err)
				}
			})
		}
	}
	wg.Wait()
	waitFor(t, "every job completed", func() (bool, error) {
		return count(t, setup, `SELECT count(*) FROM river_job WHERE state = 'completed'`) == deliveries, nil
	})
	if n := count(t, setup, `SELECT count(*) FROM river_job`); n != deliveries {
		t.Fatalf("%d jobs, want %d", n, deliveries)
	}
	if n := count(t, setup, `SELECT count(*) FROM (SELECT webhook_id FROM processed_events GROUP BY webhook_id HAVING count(*) = 1)`); n != deliveries {
		t.Fatalf("%d deliveries with exactly one row, want %d", n, deliveries)
	}
	if n := count(t, setup, `SELECT count(*) FROM processed_events`); n != deliveries {
		t.Fatalf("%d rows, want %d", n, deliveries)
	}
}

// Jobs stored by one process and not yet worked survive a restart: reopening the file
// works them.
func TestReopenedFileWorksTheJobsStoredBefore(t *testing.T) {
	path := dbPath(t)
	ctx := context.Background()
	{
		// A queue with no workers: the deliveries are stored, not worked.
		db, err := sqlitejobs.OpenDB(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		q, err := riverjobs.Open(ctx, riversqlite.New(db), riverjobs.WithCloser(db))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(nethttp.Handler(mustVerifier(t), q, nethttp.WithLogger(quiet)))
		for i := range 5 {
			if status, answer, err := send(srv.URL, signed(t, fmt.Sprintf("wh_%d", i), "batch.completed")); err != nil || status != 200 {
				t.Fatalf("delivery %d: %d %s %v", i, status, answer, err)
			}
		}
		srv.Close()
		if err := q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var handled testkit.Counter
	q, err := sqlitejobs.Open(ctx, path, mustVerifier(t), core.HandlerFunc(func(_ context.Context, e *core.Event) error {
		handled.Add(e.WebhookID)
		return nil
	}), fast, riverjobs.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	stopAtEnd(t, q)
	waitFor(t, "the stored jobs handled", func() (bool, error) { return handled.Total() == 5, nil })
	for i := range 5 {
		if n := handled.Get(fmt.Sprintf("wh_%d", i)); n != 1 {
			t.Errorf("wh_%d handled %d times, want 1", i, n)
		}
	}
}

// A process killed (SIGKILL) with a job's transaction open commits nothing; after a
// restart on the file the job runs again, and its row is written once.
func TestKilledProcessCommitsNothingAndItsJobRunsOnceAfterARestart(t *testing.T) {
	path := dbPath(t)
	ctx := context.Background()
	setup := openFile(t, path)
	if _, err := setup.Exec(processedSchema); err != nil {
		t.Fatal(err)
	}
	// Stored by a receiver with no workers.
	store, err := riverjobs.Open(ctx, riversqlite.New(setup), riverjobs.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	e, err := mustVerifier(t).Unwrap(signed(t, "wh_killed", "batch.completed").body, signed(t, "wh_killed", "batch.completed").headers)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.HandleEvent(ctx, e); err != nil {
		t.Fatal(err)
	}

	worker := childproc.Start(t, envChild+"=work", envPath+"="+path)
	worker.Next(t, "handling wh_killed", 60*time.Second)
	worker.Kill(t)
	if n := count(t, setup, `SELECT count(*) FROM processed_events`); n != 0 {
		t.Fatalf("%d rows committed by the killed process, want 0", n)
	}
	if n := count(t, setup, `SELECT count(*) FROM river_job WHERE state = 'running'`); n != 1 {
		t.Fatalf("%d running jobs after the kill, want 1", n)
	}

	var handled testkit.Counter
	mux := riverjobs.NewTxMux[*sql.Tx]()
	mux.OnFunc(core.BatchCompleted, func(ctx context.Context, tx *sql.Tx, e *core.Event) error {
		handled.Add(e.WebhookID)
		_, err := tx.ExecContext(ctx, `INSERT INTO processed_events (webhook_id, type) VALUES (?, 'restarted')`, e.WebhookID)
		return err
	})
	// Short timeouts, so that the test need not wait Start's two minutes for the rescue.
	short := riverjobs.WithRiverConfig(func(cfg *river.Config) {
		cfg.JobTimeout = time.Second
		cfg.RescueStuckJobsAfter = 2 * time.Second
	})
	q, err := sqlitejobs.OpenTx(ctx, path, mustVerifier(t), mux, fast, short, riverjobs.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	stopAtEnd(t, q)
	waitFor(t, "the job completed after the restart", func() (bool, error) {
		return count(t, setup, `SELECT count(*) FROM river_job WHERE state = 'completed'`) == 1, nil
	})
	if n := count(t, setup, `SELECT count(*) FROM processed_events WHERE webhook_id = 'wh_killed' AND type = 'restarted'`); n != 1 {
		t.Fatalf("%d rows of the restarted process, want 1", n)
	}
	if n := count(t, setup, `SELECT count(*) FROM processed_events`); n != 1 {
		t.Fatalf("%d rows in all, want 1", n)
	}
	if n := handled.Get("wh_killed"); n != 1 {
		t.Fatalf("handled %d times after the restart, want 1", n)
	}
}
