package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/sqlstore"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// One machine, no server: the store keeps its table in a SQLite file, so a restart
// remembers which deliveries were handled. The calls below are what an adapter's
// WithIdempotency makes for each delivery.
func ExampleNewSQLite() {
	dir, _ := os.MkdirTemp("", "sqlstore-example")
	defer os.RemoveAll(dir)
	// modernc.org/sqlite (import _ "modernc.org/sqlite"): pure Go. The busy timeout lets
	// concurrent writers wait for each other instead of failing.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "webhooks.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	ctx := context.Background()
	store, err := sqlstore.NewSQLite(ctx, db)
	if err != nil {
		log.Fatal(err) // the file cannot be opened or written: the error says which and why
	}
	state, token, err := store.Begin(ctx, "wh_685342e6c9e0819091b7c8a29fa4e4f4", 2*time.Minute)
	if err != nil {
		fmt.Println("database unavailable, answer 503:", err)
		return
	}
	fmt.Println(state)
	// ... run the handler, then:
	err = store.Finish(ctx, "wh_685342e6c9e0819091b7c8a29fa4e4f4", token, idempotency.DefaultKeep)
	fmt.Println(err)

	state, _, _ = store.Begin(ctx, "wh_685342e6c9e0819091b7c8a29fa4e4f4", 2*time.Minute)
	fmt.Println(state) // OpenAI's retry of the same delivery
	// Output:
	// claimed
	// <nil>
	// done
}

// Several replicas share one PostgreSQL, so a delivery runs once between them: each
// replica passes its store to the adapter's WithIdempotency.
func ExampleNewPostgres() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool) // pgx's database/sql driver, on the application's pool
	defer db.Close()

	store, err := sqlstore.NewPostgres(ctx, db, sqlstore.WithTable("billing_webhook_deliveries"))
	if err != nil {
		log.Fatal(err) // unreachable, or the user may not create the table
	}
	v, err := core.NewVerifier(os.Getenv("OPENAI_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	handler := core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		log.Printf("%s %s", e.Type, e.WebhookID)
		return nil
	})
	http.Handle("POST /webhooks/openai", nethttp.Handler(v, handler, nethttp.WithIdempotency(store)))
	log.Fatal(http.ListenAndServe(":8080", nil))
}
