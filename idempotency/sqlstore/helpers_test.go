package sqlstore_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testpg"
)

func TestMain(m *testing.M) { os.Exit(testpg.Run(m)) }

var bg = context.Background()

// sqliteDSN is how the package documentation tells users to open the file: a busy
// timeout, so that concurrent writers wait for each other, and WAL.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
}

// openSQLite opens the SQLite file path, closed when t ends.
func openSQLite(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newSQLiteFile opens a fresh SQLite file in t's temporary directory.
func newSQLiteFile(t testing.TB) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "idem.db")
	return openSQLite(t, path), path
}

// openPostgres opens connString with pgx's database/sql driver, closed when t ends.
func openPostgres(t testing.TB, connString string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", connString)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
