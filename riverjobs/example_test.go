package riverjobs_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/riverjobs/pgxtx"
)

// One call to a running queue on PostgreSQL: River's migrations, the client with the
// webhook worker, completed jobs kept 72 h. The queue is the adapter's handler: each
// delivery is answered 200 once its job is stored, and the mux's handlers run in the
// background, with retries and dead letters.
func ExampleStart() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	verifier, err := core.NewVerifierFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	events := core.NewMux()
	core.On(events, core.BatchCompleted, func(ctx context.Context, e *core.Event, data core.BatchData) error {
		log.Printf("batch %s completed", data.ID)
		return nil // an error makes River retry the job
	})
	queue, err := riverjobs.Start(ctx, riverpgxv5.New(pool), verifier, events)
	if err != nil {
		log.Fatal(err)
	}
	defer queue.Stop(context.Background())
	http.Handle("POST /webhooks/openai", nethttp.Handler(verifier, queue))
	log.Fatal(http.ListenAndServe(":3000", nil))
}

// Typed dispatch in the job's transaction: one handler per event type, each with the
// transaction and the event's data decoded; the handler's writes and the job's
// completion commit together, so each delivery's effect happens exactly once.
func ExampleStartTx() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	verifier, err := core.NewVerifierFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	events := riverjobs.NewTxMux[pgx.Tx]()
	riverjobs.OnTx(events, core.BatchCompleted, func(ctx context.Context, tx pgx.Tx, e *core.Event, data core.BatchData) error {
		_, err := tx.Exec(ctx, `INSERT INTO batches_done (event_id, batch_id) VALUES ($1, $2)`, e.ID, data.ID)
		return err // an error rolls the insert back and River retries the job
	})
	queue, err := riverjobs.StartTx(ctx, riverpgxv5.New(pool), pgxtx.New(pool), verifier, events)
	if err != nil {
		log.Fatal(err)
	}
	defer queue.Stop(context.Background())
	http.Handle("POST /webhooks/openai", nethttp.Handler(verifier, queue))
	log.Fatal(http.ListenAndServe(":3000", nil))
}

// Dead letters and replay without running workers, as a command-line tool does: the
// workers of the running application pick the replayed jobs up.
func ExampleOpen() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	queue, err := riverjobs.Open(ctx, riverpgxv5.New(pool), riverjobs.WithoutMigrations())
	if err != nil {
		log.Fatal(err)
	}
	defer queue.Stop(ctx)
	letters, err := queue.DeadLetters(ctx, 100)
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range letters {
		fmt.Printf("%s %s after %d attempts, %s: %s\n", d.WebhookID, d.EventType, d.Attempts, d.FailedAt.Format("2006-01-02 15:04"), d.LastError)
		if _, err := queue.Replay(ctx, d.WebhookID); err != nil {
			log.Fatal(err)
		}
	}
}

// The receiver alone, on a River client of your own: verify, store the delivery as a
// River job, answer 200; workers run elsewhere.
func ExampleNewEnqueuer() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	// River's tables, once: Migrate is safe to run on every start.
	if err := riverjobs.Migrate(ctx, riverpgxv5.New(pool)); err != nil {
		log.Fatal(err)
	}
	verifier, err := core.NewVerifierFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	// An insert-only client: no queues, no workers.
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("POST /webhooks/openai", nethttp.Handler(verifier, riverjobs.NewEnqueuer(client)))
	log.Fatal(http.ListenAndServe(":3000", nil))
}

// The worker on a River client of your own: the handler's writes and the job's
// completion commit together, in a transaction opened through your pool.
func ExampleNewTxWorker() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	verifier, err := core.NewVerifierFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, riverjobs.NewTxWorker(verifier, pgxtx.New(pool), riverjobs.TxHandlerFunc[pgx.Tx](
		func(ctx context.Context, tx pgx.Tx, e *core.Event) error {
			_, err := tx.Exec(ctx, `INSERT INTO batches_done (event_id, batch_id) VALUES ($1, $2::jsonb->>'id')`, e.ID, string(e.Data))
			return err // an error rolls the insert back and River retries the job
		})))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers: workers,
		// While a job row exists its webhook-id is not queued again: keep completed
		// jobs as long as OpenAI may deliver again.
		CompletedJobRetentionPeriod: riverjobs.DefaultUniquePeriod,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		log.Fatal(err)
	}
	<-client.Stopped()
}

// Enqueue inside your own transaction, with your own writes: both or neither.
func ExampleEnqueuer_EnqueueTx() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	verifier, err := core.NewVerifierFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		log.Fatal(err)
	}
	enqueuer := riverjobs.NewEnqueuer(client)
	record := core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO deliveries (webhook_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.WebhookID, e.Type); err != nil {
				return err
			}
			_, err := enqueuer.EnqueueTx(ctx, tx, e)
			return err
		})
	})
	http.Handle("POST /webhooks/openai", nethttp.Handler(verifier, record))
	log.Fatal(http.ListenAndServe(":3000", nil))
}

// OnTx with your own struct: the fields you need, decoded from the event's data.
func ExampleOnTx() {
	events := riverjobs.NewTxMux[pgx.Tx]()
	type failure struct {
		ID string `json:"id"`
	}
	riverjobs.OnTx(events, core.BatchFailed, func(ctx context.Context, tx pgx.Tx, e *core.Event, data failure) error {
		_, err := tx.Exec(ctx, `INSERT INTO batches_failed (event_id, batch_id) VALUES ($1, $2)`, e.ID, data.ID)
		return err
	})
	fmt.Println("registered")
	// Output: registered
}
