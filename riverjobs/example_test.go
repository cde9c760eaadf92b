package riverjobs_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/riverjobs/pgxtx"
)

// The receiver: verify, store the delivery as a River job, answer 200.
func ExampleNewEnqueuer() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	// River's tables, once (or: river migrate-up --database-url "$DATABASE_URL").
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
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

// The worker: the handler's writes and the job's completion commit together, so each
// delivery's effect in PostgreSQL happens exactly once.
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

// Typed dispatch in the job's transaction: one handler per event type, each with the
// transaction and the event's data decoded; a type without a handler completes its job.
func ExampleOnTx() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	verifier, err := core.NewVerifierFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	events := riverjobs.NewTxMux[pgx.Tx]()
	riverjobs.OnTx(events, core.BatchCompleted, func(ctx context.Context, tx pgx.Tx, e *core.Event, data core.BatchData) error {
		_, err := tx.Exec(ctx, `INSERT INTO batches_done (event_id, batch_id) VALUES ($1, $2)`, e.ID, data.ID)
		return err // an error rolls the insert back and River retries the job
	})
	// Your own struct works as well, with the fields you need.
	type failure struct {
		ID string `json:"id"`
	}
	riverjobs.OnTx(events, core.BatchFailed, func(ctx context.Context, tx pgx.Tx, e *core.Event, data failure) error {
		_, err := tx.Exec(ctx, `INSERT INTO batches_failed (event_id, batch_id) VALUES ($1, $2)`, e.ID, data.ID)
		return err
	})
	workers := river.NewWorkers()
	river.AddWorker(workers, riverjobs.NewTxWorker(verifier, pgxtx.New(pool), events))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers: workers,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		log.Fatal(err)
	}
	<-client.Stopped()
}
