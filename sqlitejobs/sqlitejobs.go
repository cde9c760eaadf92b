package sqlitejobs

import (
	"context"
	"database/sql"
	"errors"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/riverjobs"
)

// Open opens (or creates) the SQLite file at path (OpenDB), runs River's migrations on
// it and starts the queue: River with the webhook worker of h, which gets each verified
// event (riverjobs.Start). The queue is the core.Handler to give an adapter; Stop stops
// it and closes the file. opts are riverjobs' (WithMaxAttempts, WithLogger,
// WithRiverConfig, …). Errors at start name path and the cause (ErrCannotOpen,
// ErrReadOnly, ErrLocked).
func Open(ctx context.Context, path string, v *core.Verifier, h core.Handler, opts ...riverjobs.Option) (*riverjobs.Queue[*sql.Tx], error) {
	if v == nil {
		return nil, errors.New("sqlitejobs.Open: nil *core.Verifier: pass the verifier of the receiving endpoint (core.NewVerifierFromEnv)")
	}
	if h == nil {
		return nil, errors.New("sqlitejobs.Open: nil core.Handler")
	}
	db, err := OpenDB(ctx, path)
	if err != nil {
		return nil, err
	}
	return riverjobs.Start(ctx, riversqlite.New(db), v, h, append(opts, riverjobs.WithCloser(db))...)
}

// OpenTx is Open with a transactional handler, typically a riverjobs.TxMux[*sql.Tx]:
// each job's handler runs in a *sql.Tx on the file that also marks the job completed,
// so its writes to the application's own tables in that file happen exactly once. The
// handler must use only that tx, and keep it short (see the package documentation).
func OpenTx(ctx context.Context, path string, v *core.Verifier, h riverjobs.TxHandler[*sql.Tx], opts ...riverjobs.Option) (*riverjobs.Queue[*sql.Tx], error) {
	if v == nil {
		return nil, errors.New("sqlitejobs.OpenTx: nil *core.Verifier: pass the verifier of the receiving endpoint (core.NewVerifierFromEnv)")
	}
	if h == nil {
		return nil, errors.New("sqlitejobs.OpenTx: nil riverjobs.TxHandler")
	}
	db, err := OpenDB(ctx, path)
	if err != nil {
		return nil, err
	}
	return riverjobs.StartTx(ctx, riversqlite.New(db), riverjobs.SQL(db), v, h, append(opts, riverjobs.WithCloser(db))...)
}
