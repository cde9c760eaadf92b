package sqlitejobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// BusyTimeout is how long a statement waits for another process's lock on the file
// before it fails: at start, a file locked longer than this is an error (ErrLocked).
const BusyTimeout = 5 * time.Second

var (
	// ErrCannotOpen means the file could not be created or opened: its directory is
	// missing or not writable, or it is not a SQLite database.
	ErrCannotOpen = errors.New("sqlitejobs: the database file cannot be opened")
	// ErrReadOnly means the file (or its directory, where SQLite keeps the -wal and
	// -shm files) cannot be written.
	ErrReadOnly = errors.New("sqlitejobs: the database file is read-only")
	// ErrLocked means another process kept the file locked for longer than BusyTimeout.
	ErrLocked = errors.New("sqlitejobs: the database file is locked by another process")
)

// OpenDB opens (or creates) the SQLite file at path with the settings Open uses (WAL,
// synchronous=FULL, a busy timeout of BusyTimeout, immediate transactions, one
// connection) and checks that it can be written. It is for programs that drive River
// themselves (riverjobs.Start with riversqlite.New(db), riverjobs.Open for a tool that
// lists and replays dead letters) or keep their own tables in the file. Close the
// *sql.DB when done. Errors name path and wrap ErrCannotOpen, ErrReadOnly or ErrLocked
// with SQLite's own error.
func OpenDB(ctx context.Context, path string) (*sql.DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("%w: %q: give the path of a file (such as webhooks.db); an in-memory database would lose every delivery answered 200 at the next restart", ErrCannotOpen, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCannotOpen, path, err)
	}
	// SQLite answers SQLITE_BUSY at once, without its busy handler, to connections that
	// switch a new file to WAL while another does the same; those try again, within the
	// busy timeout a held lock would have waited.
	deadline := time.Now().Add(BusyTimeout)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		db, err := openDB(ctx, abs)
		if err == nil || !errors.Is(err, ErrLocked) || time.Now().Add(wait).After(deadline) {
			return db, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (gave up waiting: %w)", err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// openDB is one attempt of OpenDB on the absolute path abs.
func openDB(ctx context.Context, abs string) (*sql.DB, error) {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(BusyTimeout.Milliseconds()))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_txlock", "immediate")
	// A file: URI with the path escaped, so that '?', '#' or '%' in it stay the path's.
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, classify(abs, "open", err)
	}
	// River's SQLite driver needs one connection; it also makes this process's writes
	// one after another instead of failing each other with SQLITE_BUSY.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := check(ctx, db, abs); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// check proves the file is what Open promises: a file, in WAL mode, writable now.
func check(ctx context.Context, db *sql.DB, path string) error {
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return classify(path, "open", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("%w: %s: SQLite kept journal mode %q instead of WAL (a file system without shared memory, such as a network share?)", ErrCannotOpen, path, mode)
	}
	// A write that changes nothing, rolled back: fails now, not at the first delivery,
	// when the file is read-only or another process holds its write lock.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return classify(path, "write to", err)
	}
	defer tx.Rollback()
	var version int64
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return classify(path, "read", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, version)); err != nil {
		return classify(path, "write to", err)
	}
	return nil
}

// classify wraps a SQLite error with the sentinel of its cause and the path.
func classify(path, what string, err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("%w: %s %s: %w", ErrCannotOpen, what, path, err)
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%w: %s %s: another process held its lock for more than %s: %w", ErrLocked, what, path, BusyTimeout, err)
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
		return fmt.Errorf("%w: %s %s: check the permissions of the file and of its directory (SQLite writes %s-wal and %s-shm next to it): %w", ErrReadOnly, what, path, filepath.Base(path), filepath.Base(path), err)
	case sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("%w: %s %s: check that directory %s exists and is writable: %w", ErrCannotOpen, what, path, filepath.Dir(path), err)
	case sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("%w: %s %s: the file is not a SQLite database: %w", ErrCannotOpen, what, path, err)
	}
	return fmt.Errorf("%w: %s %s: %w", ErrCannotOpen, what, path, err)
}
