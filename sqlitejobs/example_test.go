package sqlitejobs_test

import (
	"context"
	"database/sql"
	"log"
	"net/http"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

// Durable background processing with no server: deliveries are answered 200 once their
// job is in webhooks.db, and handled in the background with retries and dead letters.
func ExampleOpen() {
	ctx := context.Background()
	verifier, err := core.NewVerifierFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	events := core.NewMux()
	core.On(events, core.BatchCompleted, func(ctx context.Context, e *core.Event, data core.BatchData) error {
		log.Printf("batch %s completed", data.ID)
		return nil // an error makes River retry the job
	})
	queue, err := sqlitejobs.Open(ctx, "webhooks.db", verifier, events)
	if err != nil {
		log.Fatal(err) // names the file and the cause
	}
	defer queue.Stop(context.Background())
	http.Handle("POST /webhooks/openai", nethttp.Handler(verifier, queue))
	log.Fatal(http.ListenAndServe(":3000", nil))
}

// Exactly-once effects in your own table of the same file: the handler's insert and the
// job's completion commit together. The handler uses only its tx.
func ExampleOpenTx() {
	ctx := context.Background()
	verifier, err := core.NewVerifierFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	events := riverjobs.NewTxMux[*sql.Tx]()
	riverjobs.OnTx(events, core.BatchCompleted, func(ctx context.Context, tx *sql.Tx, e *core.Event, data core.BatchData) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO batches_done (webhook_id, batch_id) VALUES (?, ?)`, e.WebhookID, data.ID)
		return err // an error rolls the insert back and River retries the job
	})
	// Your own tables, created once, in the same file.
	db, err := sqlitejobs.OpenDB(ctx, "webhooks.db")
	if err != nil {
		log.Fatal(err)
	}
	_, err = db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS batches_done (webhook_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL)`)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		log.Fatal(err)
	}
	queue, err := sqlitejobs.OpenTx(ctx, "webhooks.db", verifier, events)
	if err != nil {
		log.Fatal(err)
	}
	defer queue.Stop(context.Background())
	http.Handle("POST /webhooks/openai", nethttp.Handler(verifier, queue))
	log.Fatal(http.ListenAndServe(":3000", nil))
}
