package sqlitejobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

// The test binary doubles as another process on the file, chosen by envChild:
// "open" opens the file at envPath and prints "opened" or "error: …"; "lock" opens it,
// takes its write lock, prints "locked" and holds it until killed; "work" works its
// jobs with a transactional handler that inserts its row, prints "handling <webhook-id>"
// and never returns, so that the test can kill it with its transaction open.
const (
	envChild = "SQLITEJOBS_TEST_CHILD"
	envPath  = "SQLITEJOBS_TEST_PATH"
)

// child runs the child's part when the binary was started as one, and reports whether.
func child() bool {
	mode := os.Getenv(envChild)
	if mode == "" {
		return false
	}
	ctx := context.Background()
	if mode == "work" {
		if err := work(ctx, os.Getenv(envPath)); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		select {}
	}
	db, err := sqlitejobs.OpenDB(ctx, os.Getenv(envPath))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(0)
	}
	switch mode {
	case "open":
		fmt.Println("opened")
	case "lock":
		tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
		if err == nil {
			_, err = tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS held (x)`)
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		select {}
	}
	os.Exit(0)
	return true
}

// work starts the stuck worker of the "work" child.
func work(ctx context.Context, path string) error {
	v, err := core.NewVerifier(secret)
	if err != nil {
		return err
	}
	h := riverjobs.TxHandlerFunc[*sql.Tx](func(ctx context.Context, tx *sql.Tx, e *core.Event) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO processed_events (webhook_id, type) VALUES (?, 'killed')`, e.WebhookID); err != nil {
			return err
		}
		fmt.Println("handling", e.WebhookID)
		select {} // the process is killed here, its transaction open
	})
	_, err = sqlitejobs.OpenTx(ctx, path, v, h, fast, riverjobs.WithLogger(quiet))
	return err
}
