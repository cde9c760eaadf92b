package sqlitejobs_test

import (
	"context"
	"fmt"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
	"os"
)

// The test binary doubles as another process on the file, chosen by envChild:
// "open" opens the file at envPath and prints "opened" or "error: …"; "lock" opens it,
// takes its write lock, prints "locked" and holds it until killed.
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
