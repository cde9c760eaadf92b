package riverjobs

import (
	"context"
	"database/sql"
	"errors"
)

// TxBeginner opens and ends the transactions a TxWorker runs its jobs in, on the
// database its River client uses, through the application's own handle: River's driver
// methods are marked unstable, so the worker never asks the driver for a transaction.
// SQL adapts a *sql.DB (riversqlite, riverdatabasesql); package riverjobs/pgxtx adapts a
// pgxpool.Pool or pgx.Conn (riverpgxv5).
type TxBeginner[TTx any] interface {
	// Begin opens a transaction.
	Begin(ctx context.Context) (TTx, error)
	// Commit commits tx.
	Commit(ctx context.Context, tx TTx) error
	// Rollback rolls tx back; after Commit it does nothing and returns nil or an error
	// the worker ignores.
	Rollback(ctx context.Context, tx TTx) error
}

// SQLBeginner is what SQL needs of a database/sql handle: *sql.DB and *sql.Conn have it.
type SQLBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// SQL returns the TxBeginner of a database/sql handle, for River's drivers whose
// transaction is a *sql.Tx: riversqlite (SQLite, as package sqlitejobs uses it) and
// riverdatabasesql. db must be the handle the River driver was made with.
func SQL(db SQLBeginner) TxBeginner[*sql.Tx] {
	return sqlBeginner{db: db}
}

type sqlBeginner struct{ db SQLBeginner }

func (b sqlBeginner) Begin(ctx context.Context) (*sql.Tx, error) { return b.db.BeginTx(ctx, nil) }

func (sqlBeginner) Commit(_ context.Context, tx *sql.Tx) error { return tx.Commit() }

func (sqlBeginner) Rollback(_ context.Context, tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}
