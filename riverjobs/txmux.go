package riverjobs

import (
	"context"
	"fmt"

	"github.com/webhookkit/openai-webhooks/core"
)

// TxMux dispatches events to transactional handlers by type: core.Mux for NewTxWorker,
// StartTx and sqlitejobs.OpenTx. TTx is the transaction type of the River driver: pgx.Tx
// on riverpgxv5 (PostgreSQL), *sql.Tx on riversqlite (SQLite). It is a TxHandler[TTx]; register handlers with the function OnTx (a handler with the typed
// data of its event type) or the methods On, OnFunc and Fallback. An event of a type
// with no handler and no fallback is marked unhandled (core.Event.MarkUnhandled) and
// its job completes, as core.Mux acknowledges it: OpenAI adds event types over time.
// It is safe for concurrent use.
type TxMux[TTx any] struct {
	mux *core.Mux // the routing, the type check and the decoding are core.Mux's
}

// NewTxMux returns an empty TxMux for the transaction type TTx:
// riverjobs.NewTxMux[pgx.Tx]() or riverjobs.NewTxMux[*sql.Tx]().
func NewTxMux[TTx any]() *TxMux[TTx] { return &TxMux[TTx]{mux: core.NewMux()} }

// txKey is the context key under which HandleEventTx hands the transaction to the
// handler core.Mux calls.
type txKey struct{}

// HandleEventTx calls the handler registered for e.Type with tx, else the fallback, else
// marks e unhandled and returns nil.
func (m *TxMux[TTx]) HandleEventTx(ctx context.Context, tx TTx, e *core.Event) error {
	return m.mux.HandleEvent(context.WithValue(ctx, txKey{}, tx), e)
}

// txFrom returns the transaction HandleEventTx put in ctx.
func txFrom[TTx any](ctx context.Context) TTx {
	tx, _ := ctx.Value(txKey{}).(TTx)
	return tx
}

// adapt makes h a core.Handler of the inner Mux, reading the transaction from ctx.
func adapt[TTx any](h TxHandler[TTx]) core.Handler {
	return core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		return h.HandleEventTx(ctx, txFrom[TTx](ctx), e)
	})
}

// On registers h for events of type t, replacing any handler registered before. It
// panics if h is nil.
func (m *TxMux[TTx]) On(t core.EventType, h TxHandler[TTx]) {
	if h == nil {
		panic(fmt.Sprintf("riverjobs.TxMux.On: the handler for %q is nil", t))
	}
	m.mux.On(t, adapt(h))
}

// OnFunc registers the function f for events of type t.
func (m *TxMux[TTx]) OnFunc(t core.EventType, f func(ctx context.Context, tx TTx, e *core.Event) error) {
	if f == nil {
		panic(fmt.Sprintf("riverjobs.TxMux.OnFunc: the handler for %q is nil", t))
	}
	m.On(t, TxHandlerFunc[TTx](f))
}

// Fallback registers h for events of every type that has no handler of its own.
func (m *TxMux[TTx]) Fallback(h TxHandler[TTx]) {
	if h == nil {
		panic("riverjobs.TxMux.Fallback: the handler is nil")
	}
	m.mux.Fallback(adapt(h))
}

// OnTx registers h on m for events of type t, with the job's transaction and the event's
// data decoded into T, by the rule of core.On and core.DecodeData: the data struct of t
// or a pointer to it, a struct of the application's own, a map or a json.RawMessage.
//
//	riverjobs.OnTx(mux, core.BatchCompleted, func(ctx context.Context, tx pgx.Tx, e *core.Event, data core.BatchData) error {
//		_, err := tx.Exec(ctx, `INSERT INTO batches_done (batch_id) VALUES ($1)`, data.ID)
//		return err
//	})
//
// On SQLite (sqlitejobs) the transaction is a *sql.Tx:
//
//	riverjobs.OnTx(mux, core.BatchCompleted, func(ctx context.Context, tx *sql.Tx, e *core.Event, data core.BatchData) error {
//		_, err := tx.ExecContext(ctx, `INSERT INTO batches_done (batch_id) VALUES (?)`, data.ID)
//		return err
//	})
//
// Registration is program set-up, so a mistake there panics with a clear message: a nil
// m or h, or a T that core.CheckDataType refuses for t (the data struct of another
// family of event types, such as core.BatchData for fine_tuning.job.succeeded). When a
// job's data does not decode into T, h is not called and the error (wrapping
// core.ErrMalformedEvent) fails the attempt.
func OnTx[T, TTx any](m *TxMux[TTx], t core.EventType, h func(ctx context.Context, tx TTx, e *core.Event, data T) error) {
	if m == nil {
		panic("riverjobs.OnTx: the TxMux is nil; create it with riverjobs.NewTxMux")
	}
	if h == nil {
		panic(fmt.Sprintf("riverjobs.OnTx: the handler for %q is nil", t))
	}
	if err := core.CheckDataType[T](t); err != nil {
		panic("riverjobs.OnTx: " + err.Error())
	}
	core.On(m.mux, t, func(ctx context.Context, e *core.Event, data T) error {
		return h(ctx, txFrom[TTx](ctx), e, data)
	})
}
