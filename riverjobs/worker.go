package riverjobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/core"
)

// NewWorker returns the River worker for EventArgs jobs: it verifies the stored delivery
// again with v (the signature, not its age), then calls h with the event, which is also
// in ctx (core.FromContext). A job that does not decode or verify is cancelled
// (river.JobCancel, logged) and never reaches h. An error from h fails the attempt, and
// River retries it with its backoff until the job's attempts run out (WithMaxAttempts);
// it is then discarded, and can be replayed with river.Client.JobRetry or River UI.
//
// Register it with river.AddWorker(workers, riverjobs.NewWorker(v, h)).
func NewWorker(v *core.Verifier, h core.Handler, opts ...WorkerOption) river.Worker[EventArgs] {
	if v == nil {
		panic("riverjobs.NewWorker: nil *core.Verifier: pass the verifier of the receiving endpoint (core.NewVerifierFromEnv)")
	}
	if h == nil {
		panic("riverjobs.NewWorker: nil core.Handler")
	}
	return &worker{verify: verify{v: v, logger: newWorkerConfig(opts).logger}, h: h}
}

// TxHandler handles an event inside a transaction that also completes its job.
type TxHandler interface {
	// HandleEventTx does the event's work with tx. Its writes through tx commit if and
	// only if the job is marked completed; an error rolls them back and River retries.
	// It must not commit or roll back tx.
	HandleEventTx(ctx context.Context, tx pgx.Tx, e *core.Event) error
}

// TxHandlerFunc is a function that is a TxHandler.
type TxHandlerFunc func(ctx context.Context, tx pgx.Tx, e *core.Event) error

// HandleEventTx calls f(ctx, tx, e).
func (f TxHandlerFunc) HandleEventTx(ctx context.Context, tx pgx.Tx, e *core.Event) error {
	return f(ctx, tx, e)
}

// NewTxWorker returns the River worker for EventArgs jobs that gives each delivery's
// effect in PostgreSQL exactly once. It verifies the job as NewWorker does, begins a
// transaction on pool (the database River uses), calls h.HandleEventTx with it, marks
// the job completed in that same transaction (river.JobCompleteTx) and commits. Any
// error, a panic or a crash before the commit rolls everything back, and River works the
// job again; after the commit the job is done and is never worked again. A worker whose
// job was rescued by River meanwhile (it ran longer than RescueStuckJobsAfter) finds the
// job no longer its own and rolls back (ErrJobLost).
//
// Register it with river.AddWorker(workers, riverjobs.NewTxWorker(v, pool, h)) on a
// client made with riverpgxv5.New(pool). For typed dispatch by event type, give it a
// TxMux.
func NewTxWorker(v *core.Verifier, pool *pgxpool.Pool, h TxHandler, opts ...WorkerOption) river.Worker[EventArgs] {
	if v == nil {
		panic("riverjobs.NewTxWorker: nil *core.Verifier: pass the verifier of the receiving endpoint (core.NewVerifierFromEnv)")
	}
	if pool == nil {
		panic("riverjobs.NewTxWorker: nil *pgxpool.Pool: pass the pool of the database River uses")
	}
	if h == nil {
		panic("riverjobs.NewTxWorker: nil TxHandler")
	}
	return &txWorker{verify: verify{v: v, logger: newWorkerConfig(opts).logger}, pool: pool, h: h}
}

// verify rebuilds and verifies the event of a job.
type verify struct {
	v      *core.Verifier
	logger *slog.Logger
}

// event returns the verified event of job, or a river.JobCancel error.
func (vf verify) event(ctx context.Context, job *river.Job[EventArgs]) (*core.Event, error) {
	args := job.Args
	err := args.decodeErr
	var e *core.Event
	if err == nil {
		e, err = vf.v.UnwrapIgnoringTimestamp(args.Body, args.Headers())
	}
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrInvalidJob, err)
		vf.logger.LogAttrs(ctx, slog.LevelError, "riverjobs: job cancelled, its delivery does not verify",
			slog.Int64("job_id", job.ID), slog.String("webhook_id", args.WebhookID), slog.String("error", err.Error()))
		return nil, river.JobCancel(err)
	}
	return e, nil
}

type worker struct {
	river.WorkerDefaults[EventArgs]
	verify
	h core.Handler
}

// Work verifies the job's delivery and calls the handler.
func (w *worker) Work(ctx context.Context, job *river.Job[EventArgs]) error {
	e, err := w.event(ctx, job)
	if err != nil {
		return err
	}
	if err := w.h.HandleEvent(core.NewContext(ctx, e), e); err != nil {
		return err
	}
	w.logUnhandled(ctx, job, e)
	return nil
}

// logUnhandled logs a job completed without a handler for its type (a core.Mux or TxMux
// marked it unhandled), as the adapters log such a delivery.
func (vf verify) logUnhandled(ctx context.Context, job *river.Job[EventArgs], e *core.Event) {
	if e.Marked() == core.OutcomeUnhandled {
		vf.logger.LogAttrs(ctx, slog.LevelInfo, "riverjobs: no handler for the event type; job completed",
			slog.Int64("job_id", job.ID), slog.String("webhook_id", e.WebhookID), slog.String("event_type", string(e.Type)))
	}
}

type txWorker struct {
	river.WorkerDefaults[EventArgs]
	verify
	pool *pgxpool.Pool
	h    TxHandler
}

// Work verifies the job's delivery, then runs the handler and completes the job in one
// transaction.
func (w *txWorker) Work(ctx context.Context, job *river.Job[EventArgs]) error {
	e, err := w.event(ctx, job)
	if err != nil {
		return err
	}
	ctx = core.NewContext(ctx, e)
	tx, err := w.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("riverjobs: begin the job's transaction: %w", err)
	}
	defer func() {
		// After Commit this does nothing. It must run even when ctx is done.
		rollbackCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = tx.Rollback(rollbackCtx)
	}()
	if err := w.h.HandleEventTx(ctx, tx, e); err != nil {
		return err
	}
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("riverjobs: complete job %d in its transaction: %w", job.ID, err)
	}
	if err := ownsCompletion(ctx, tx, job); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("riverjobs: commit job %d: %w", job.ID, err)
	}
	w.logUnhandled(ctx, job, e)
	return nil
}

// ownsCompletion checks, inside tx, that the completion JobCompleteTx wrote is this
// attempt's. JobCompleteTx changes the row only while it is running, but reports no
// error when it is not: if River rescued the job meanwhile, it may be retryable, or
// running (or completed) in another worker's attempt, and committing would apply the
// handler's writes a second time.
func ownsCompletion(ctx context.Context, tx pgx.Tx, job *river.Job[EventArgs]) error {
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return fmt.Errorf("riverjobs: job %d: %w", job.ID, err)
	}
	row, err := client.JobGetTx(ctx, tx, job.ID)
	if err != nil {
		if errors.Is(err, rivertype.ErrNotFound) {
			return fmt.Errorf("%w: job %d was deleted", ErrJobLost, job.ID)
		}
		return fmt.Errorf("riverjobs: read job %d back in its transaction: %w", job.ID, err)
	}
	if row.State != rivertype.JobStateCompleted || row.Attempt != job.Attempt {
		return fmt.Errorf("%w: job %d is %s in attempt %d, this worker ran attempt %d", ErrJobLost, job.ID, row.State, row.Attempt, job.Attempt)
	}
	return nil
}
