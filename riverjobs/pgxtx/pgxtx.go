// Package pgxtx adapts pgx (github.com/jackc/pgx/v5) to riverjobs.TxBeginner, for River
// clients on the riverpgxv5 driver: riverjobs.NewTxWorker(v, pgxtx.New(pool), h) runs
// each job's handler in a pgx.Tx on pool. It lives apart from riverjobs so that a
// program on SQLite does not carry pgx.
package pgxtx

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/webhookkit/openai-webhooks/riverjobs"
)

// Beginner is what New needs of a pgx handle: *pgxpool.Pool and *pgx.Conn have it.
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// New returns the riverjobs.TxBeginner of db, which must be the pool (or connection) the
// River driver was made with (riverpgxv5.New(pool)).
func New(db Beginner) riverjobs.TxBeginner[pgx.Tx] {
	return beginner{db: db}
}

type beginner struct{ db Beginner }

func (b beginner) Begin(ctx context.Context) (pgx.Tx, error) { return b.db.Begin(ctx) }

func (beginner) Commit(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) }

func (beginner) Rollback(ctx context.Context, tx pgx.Tx) error {
	if err := tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return err
	}
	return nil
}
