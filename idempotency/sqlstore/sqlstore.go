// Package sqlstore is an idempotency.Store on database/sql, for PostgreSQL and SQLite:
// durable de-duplication of webhook deliveries without Redis. On PostgreSQL it serves
// several replicas that share one database; on SQLite, one machine (several processes
// may share the file).
//
// Make one with NewPostgres or NewSQLite from a *sql.DB you opened: the constructor
// chooses the SQL dialect, and the package imports no driver. For PostgreSQL, use pgx's
// database/sql driver (github.com/jackc/pgx/v5/stdlib, e.g. stdlib.OpenDBFromPool); for
// SQLite, modernc.org/sqlite (driver name "sqlite", pure Go) or any driver on SQLite 3.35
// or later.
//
// The store keeps one row per webhook-id in a table of its own, DefaultTable unless
// WithTable says otherwise, which the constructor creates when it is missing:
//
//	webhook_id TEXT PRIMARY KEY  -- the delivery's webhook-id
//	token      TEXT              -- the claim's owner
//	done       BOOLEAN           -- finished (kept for the keep) or claimed (for the lease)
//	expires_at BIGINT            -- end of the lease or keep, Unix milliseconds
//
// Each operation is one statement on one row, so it is atomic on its own: Begin is an
// INSERT … ON CONFLICT … DO UPDATE … RETURNING that claims a new or expired row and
// answers with the row as it is; Extend, Finish and Abandon are an UPDATE or DELETE that
// acts only while the caller's token holds an unexpired claim. Times are read on the
// database's clock, so replicas whose clocks disagree still agree on when a lease ends.
// As with package redisstore, a holder whose lease expired cannot extend, finish or
// release the claim of the next holder: those calls return an error wrapping
// idempotency.ErrNotHeld.
//
// Expired rows are removed as the store goes: Begin deletes them at most once per
// cleanup interval (DefaultCleanupInterval, WithCleanupInterval), so the table holds
// about the deliveries of the last keep (72 hours by default).
//
// Errors from the database are returned wrapped, with what to check; an adapter with
// WithIdempotency answers 503 when Begin fails, and OpenAI retries later. Cancelling ctx
// aborts the statement, so callers that must release a claim after their request was
// cancelled should pass context.WithoutCancel(ctx) to Finish and Abandon, as the adapters
// do.
//
// SQLite takes one writer at a time: open it with a busy timeout, so that concurrent
// writers wait instead of failing with "database is locked", and in WAL mode, e.g.
// "file:webhooks.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" with
// modernc.org/sqlite.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/webhookkit/openai-webhooks/idempotency"
)

// DefaultTable is the name of the store's table unless WithTable says otherwise.
const DefaultTable = "openai_webhooks_idempotency"

// DefaultCleanupInterval is how often, at most, Begin removes expired rows unless
// WithCleanupInterval says otherwise.
const DefaultCleanupInterval = time.Minute

// maxTableLen keeps the table's name, and its index's name (the table's plus
// "_expires_at"), within PostgreSQL's 63-byte identifiers.
const maxTableLen = 48

var tableName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Option is a setting of NewPostgres and NewSQLite: WithTable, WithCleanupInterval. The
// zero Option changes nothing.
type Option struct {
	apply func(*config)
}

type config struct {
	table   string
	cleanup time.Duration
}

// WithTable sets the name of the store's table (default DefaultTable). Give each
// application its own table when several share one database. The name is lower-case
// letters, digits and underscores, starting with a letter or underscore, at most 48
// bytes; the constructor refuses any other. On PostgreSQL the table is created in the
// first schema of the connection's search_path: choose the schema there.
func WithTable(name string) Option {
	return Option{func(c *config) { c.table = name }}
}

// WithCleanupInterval sets how often, at most, Begin removes the rows whose lease or
// keep has ended (default DefaultCleanupInterval; zero or negative means the default).
// Expired rows never change an answer, whether or not they are removed yet: the
// interval only bounds the table's size and the work a Begin may do.
func WithCleanupInterval(d time.Duration) Option {
	return Option{func(c *config) { c.cleanup = d }}
}

// Store is an idempotency.Store on a SQL database. It is safe for concurrent use; make it
// with NewPostgres or NewSQLite.
type Store struct {
	db      *sql.DB
	dialect dialect
	table   string
	sql     statements
	cleanup time.Duration

	mu        sync.Mutex
	nextSweep time.Time
	sweeping  bool
}

var _ idempotency.Store = (*Store)(nil)

// NewPostgres returns a Store on the PostgreSQL database behind db, opened with pgx's
// database/sql driver (github.com/jackc/pgx/v5/stdlib). It creates the store's table when
// it is missing, so it fails when the database cannot be reached or the user may not
// create the table. The Store does not close db.
func NewPostgres(ctx context.Context, db *sql.DB, opts ...Option) (*Store, error) {
	return open(ctx, db, postgres, opts)
}

// NewSQLite returns a Store on the SQLite database behind db, opened for example with
// modernc.org/sqlite (driver name "sqlite"); it needs SQLite 3.35 or later. It creates
// the store's table when it is missing, so it fails when the file cannot be opened or
// written. The Store does not close db. See the package documentation for the busy
// timeout that concurrent writers need.
func NewSQLite(ctx context.Context, db *sql.DB, opts ...Option) (*Store, error) {
	return open(ctx, db, sqlite, opts)
}

func open(ctx context.Context, db *sql.DB, d dialect, opts []Option) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("sqlstore: the %s database is nil: pass the *sql.DB returned by sql.Open", d.name)
	}
	c := config{table: DefaultTable, cleanup: DefaultCleanupInterval}
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(&c)
		}
	}
	if err := validTable(c.table); err != nil {
		return nil, err
	}
	if c.cleanup <= 0 {
		c.cleanup = DefaultCleanupInterval
	}
	s := &Store{db: db, dialect: d, table: c.table, sql: d.build(c.table), cleanup: c.cleanup}
	for _, stmt := range s.sql.create {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("sqlstore: cannot create the table %q on %s: %w (%s)", c.table, d.name, err, s.hint(err))
		}
	}
	return s, nil
}

// validTable refuses a table name that would need quoting rules to mean the same on
// every database, or that is too long for PostgreSQL.
func validTable(name string) error {
	if !tableName.MatchString(name) {
		return fmt.Errorf("sqlstore: table name %q is not allowed: use lower-case letters, digits and underscores, starting with a letter or underscore (WithTable)", name)
	}
	if len(name) > maxTableLen {
		return fmt.Errorf("sqlstore: table name %q is %d bytes long, more than %d (WithTable)", name, len(name), maxTableLen)
	}
	return nil
}

// Table returns the name of the store's table.
func (s *Store) Table() string { return s.table }

// Begin claims key for lease and reports idempotency.Claimed with the claim's token; or
// it reports InFlight when another unexpired claim holds key, or Done when key was
// finished within its keep. A zero or negative lease means idempotency.DefaultLease;
// leases count whole milliseconds, rounded up.
func (s *Store) Begin(ctx context.Context, key string, lease time.Duration) (idempotency.State, idempotency.Token, error) {
	if key == "" {
		return 0, "", errors.New("sqlstore: empty key: pass the delivery's webhook-id header as the key")
	}
	if lease <= 0 {
		lease = idempotency.DefaultLease
	}
	token := rand.Text()
	var (
		held string
		done bool
	)
	if err := s.db.QueryRowContext(ctx, s.sql.begin, key, token, millis(lease)).Scan(&held, &done); err != nil {
		return 0, "", s.dbError("claim", key, err)
	}
	s.sweep(ctx)
	switch {
	case done:
		return idempotency.Done, "", nil
	case held == token:
		return idempotency.Claimed, idempotency.Token(token), nil
	default:
		return idempotency.InFlight, "", nil
	}
}

// Extend renews the claim tok holds on key for lease from now (a zero or negative lease
// means idempotency.DefaultLease). It returns an error wrapping idempotency.ErrNotHeld
// when tok does not hold the current claim.
func (s *Store) Extend(ctx context.Context, key string, tok idempotency.Token, lease time.Duration) error {
	if lease <= 0 {
		lease = idempotency.DefaultLease
	}
	return s.act(ctx, "extend", s.sql.extend, key, tok, millis(lease))
}

// Finish marks the claim on key done and keeps it for keep (a zero or negative keep
// means idempotency.DefaultKeep), so that Begin reports Done until then. It returns an
// error wrapping idempotency.ErrNotHeld when tok does not hold the current claim: its
// lease expired, another holder claimed key since, the key is already done, or tok is
// empty.
func (s *Store) Finish(ctx context.Context, key string, tok idempotency.Token, keep time.Duration) error {
	if keep <= 0 {
		keep = idempotency.DefaultKeep
	}
	return s.act(ctx, "finish", s.sql.finish, key, tok, millis(keep))
}

// Abandon releases the claim on key so that a retry of the delivery can claim it at
// once. It returns an error wrapping idempotency.ErrNotHeld when tok does not hold the
// current claim, and it never forgets a finished delivery.
func (s *Store) Abandon(ctx context.Context, key string, tok idempotency.Token) error {
	return s.act(ctx, "release", s.sql.abandon, key, tok)
}

// act runs stmt, which changes key's row only while tok holds its claim, and reports
// ErrNotHeld when it changed nothing.
func (s *Store) act(ctx context.Context, op, stmt, key string, tok idempotency.Token, millis ...int64) error {
	if tok == "" {
		return fmt.Errorf("%w: the token for key %q is empty (Begin did not answer Claimed)", idempotency.ErrNotHeld, key)
	}
	args := []any{key, string(tok)}
	for _, ms := range millis {
		args = append(args, ms)
	}
	res, err := s.db.ExecContext(ctx, stmt, args...)
	if err != nil {
		return s.dbError(op, key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.dbError(op, key, err)
	}
	if n == 1 {
		return nil
	}
	return s.notHeld(ctx, key, tok)
}

// notHeld says why tok does not hold key. The row is read after the statement that
// changed nothing, so on a busy key the reason may be a moment newer; the answer,
// ErrNotHeld, is the statement's.
func (s *Store) notHeld(ctx context.Context, key string, tok idempotency.Token) error {
	var (
		held       string
		done, live bool
	)
	err := s.db.QueryRowContext(ctx, s.sql.state, key).Scan(&held, &done, &live)
	switch {
	case err != nil || !live:
		return fmt.Errorf("%w: key %q has no claim (its lease expired, or it was released or never claimed); raise the lease above the handler's running time", idempotency.ErrNotHeld, key)
	case done:
		return fmt.Errorf("%w: key %q is already finished", idempotency.ErrNotHeld, key)
	case held != string(tok):
		return fmt.Errorf("%w: key %q is claimed by another holder (this token's lease expired)", idempotency.ErrNotHeld, key)
	default:
		return fmt.Errorf("%w: key %q: the claim was not held when the statement ran", idempotency.ErrNotHeld, key)
	}
}

// sweep removes expired rows when the cleanup interval has passed since the last sweep.
// One caller at a time does it; the others go on. A failure is not the caller's: the
// delivery's own statement succeeded, and the next sweep tries again.
func (s *Store) sweep(ctx context.Context) {
	now := time.Now()
	s.mu.Lock()
	if s.sweeping || now.Before(s.nextSweep) {
		s.mu.Unlock()
		return
	}
	s.sweeping = true
	s.mu.Unlock()

	_, err := s.db.ExecContext(ctx, s.sql.sweep)

	s.mu.Lock()
	s.sweeping = false
	if err == nil {
		s.nextSweep = time.Now().Add(s.cleanup)
	} else {
		// Not at once again: a database in trouble gets a breather.
		s.nextSweep = time.Now().Add(s.cleanup / 4)
	}
	s.mu.Unlock()
}

// dbError wraps an error from the database with what to check.
func (s *Store) dbError(op, key string, err error) error {
	return fmt.Errorf("sqlstore: cannot %s key %q in table %q on %s: %w (%s)", op, key, s.table, s.dialect.name, err, s.hint(err))
}

func (s *Store) hint(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "the caller's context was cancelled; to release a claim after the request ended, pass context.WithoutCancel(ctx)"
	case errors.Is(err, context.DeadlineExceeded):
		return "the statement did not finish in time: check that the database is reachable and not overloaded or locked"
	case s.dialect.name == sqlite.name:
		return "check that the database file is reachable and writable, and that the database was opened with a busy timeout"
	default:
		return "check that the database is reachable, the connection string's address and credentials are right, and the user may write the table"
	}
}

// millis converts d to whole milliseconds, rounding up so that a lease is never shorter
// than asked.
func millis(d time.Duration) int64 {
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	return ms
}
