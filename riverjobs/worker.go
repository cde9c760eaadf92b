package riverjobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/recheck"
)

// NewWorker returns the River worker for EventArgs jobs: it verifies the stored delivery
// again with v (the signature, not its age), then calls h with the event, which is also
// in ctx (core.FromContext). It works on any River driver.
//
// A job whose signature matches none of the verifier's secrets never reaches h; the attempt fails with an error
// wrapping ErrInvalidJob and the cause (core.ErrNoMatchingSignature, say), logged at
// Error with that cause and, on its first and last attempts, the diagnosis's kind
// (diagnose.Kind: no_match for another secret, say), and River retries it with its backoff like any failure: during a secret
// rotation, or with a worker given the wrong secret, fixing the verifier's secrets
// recovers every job. When its attempts run out it is a dead letter (DeadLetters,
// Replay). A job that no secret can make pass (arguments that do not decode, a missing
// or malformed header, a genuine body that is no event) is cancelled at once
// (river.JobCancel, logged).
//
// An error from h fails the attempt, and River retries it until the job's attempts run
// out (WithMaxAttempts); it is then discarded: a dead letter.
//
// Register it with river.AddWorker(workers, riverjobs.NewWorker(v, h)), or let Start do it.
func NewWorker(v *core.Verifier, h core.Handler, opts ...WorkerOption) river.Worker[EventArgs] {
	if v == nil {
		panic("riverjobs.NewWorker: nil *core.Verifier: pass the verifier of the receiving endpoint (core.NewVerifierFromEnv)")
	}
	if h == nil {
		panic("riverjobs.NewWorker: nil core.Handler")
	}
	return &worker{verify: verify{v: v, logger: newWorkerConfig(opts).logger}, h: h}
}

// TxHandler handles an event inside a transaction that also completes its job. TTx is
// the transaction type of the River driver: pgx.Tx on riverpgxv5, *sql.Tx on riversqlite.
type TxHandler[TTx any] interface {
	// HandleEventTx does the event's work with tx. Its writes through tx commit if and
	// only if the job is marked completed; an error rolls them back and River retries.
	// It must not commit or roll back tx.
	HandleEventTx(ctx context.Context, tx TTx, e *core.Event) error
}

// TxHandlerFunc is a function that is a TxHandler.
type TxHandlerFunc[TTx any] func(ctx context.Context, tx TTx, e *core.Event) error

// HandleEventTx calls f(ctx, tx, e).
func (f TxHandlerFunc[TTx]) HandleEventTx(ctx context.Context, tx TTx, e *core.Event) error {
	return f(ctx, tx, e)
}

// NewTxWorker returns the River worker for EventArgs jobs that gives each delivery's
// effect in the database exactly once. It verifies the job as NewWorker does, begins a
// transaction with db (on the database River uses), calls h.HandleEventTx with it, marks
// the job completed in that same transaction (river.JobCompleteTx) and commits. Any
// error, a panic or a crash before the commit rolls everything back, and River works the
// job again; after the commit the job is done and is never worked again. A worker whose
// job was rescued by River meanwhile (it ran longer than RescueStuckJobsAfter) finds the
// job no longer its own and rolls back (ErrJobLost).
//
// db is the application's handle on River's database: pgxtx.New(pool) for a client made
// with riverpgxv5.New(pool), riverjobs.SQL(db) for riversqlite.New(db). With SQLite's
// single connection, h must use only tx (see package sqlitejobs). For typed dispatch by
// event type, give it a TxMux.
func NewTxWorker[TTx any](v *core.Verifier, db TxBeginner[TTx], h TxHandler[TTx], opts ...WorkerOption) river.Worker[EventArgs] {
	if v == nil {
		panic("riverjobs.NewTxWorker: nil *core.Verifier: pass the verifier of the receiving endpoint (core.NewVerifierFromEnv)")
	}
	if db == nil {
		panic("riverjobs.NewTxWorker: nil TxBeginner: pass pgxtx.New(pool) or riverjobs.SQL(db), on the database River uses")
	}
	if h == nil {
		panic("riverjobs.NewTxWorker: nil TxHandler")
	}
	return &txWorker[TTx]{verify: verify{v: v, logger: newWorkerConfig(opts).logger}, db: db, h: h}
}

// verify rebuilds and verifies the event of a job.
type verify struct {
	v      *core.Verifier
	logger *slog.Logger
}

// event returns the verified event of job. A job that no secret can make pass is
// cancelled; one whose signature matches none of the secrets fails its attempt, to be
// retried.
func (vf verify) event(ctx context.Context, job *river.Job[EventArgs]) (*core.Event, error) {
	args := job.Args
	if args.decodeErr != nil {
		err := fmt.Errorf("%w: its arguments do not decode: %w", ErrInvalidJob, args.decodeErr)
		vf.logger.LogAttrs(ctx, slog.LevelError, "riverjobs: job cancelled, its arguments do not decode",
			slog.Int64("job_id", job.ID), slog.String("error", err.Error()))
		return nil, river.JobCancel(err)
	}
	e, err := vf.v.UnwrapIgnoringTimestamp(args.Body, args.Headers())
	if err != nil && !errors.Is(err, core.ErrNoMatchingSignature) {
		// A missing or malformed header, or a genuine body that is no event: no secret
		// given to the worker can ever make it pass, so retrying only delays the verdict.
		err = fmt.Errorf("%w: %w", ErrInvalidJob, err)
		vf.logger.LogAttrs(ctx, slog.LevelError, "riverjobs: job cancelled, it cannot verify under any secret",
			slog.Int64("job_id", job.ID), slog.String("webhook_id", args.WebhookID),
			slog.String("cause", causeOf(err)), slog.String("error", err.Error()))
		return nil, river.JobCancel(err)
	}
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrInvalidJob, err)
		next := "it will be retried"
		if job.Attempt >= job.MaxAttempts {
			next = "its attempts are spent: it is a dead letter, to replay once the secret is fixed"
		}
		attrs := []slog.Attr{
			slog.String("next", next),
			slog.Int64("job_id", job.ID), slog.String("webhook_id", args.WebhookID),
			slog.Int("attempt", job.Attempt), slog.Int("max_attempts", job.MaxAttempts),
			slog.String("cause", causeOf(err)),
		}
		if kind, ok := recheck.Kind(vf.v, args.Body, args.Headers(), job.Attempt, job.MaxAttempts); ok {
			attrs = append(attrs, slog.String("kind", string(kind)))
		}
		attrs = append(attrs, slog.String("error", err.Error()))
		vf.logger.LogAttrs(ctx, slog.LevelError, "riverjobs: job's delivery does not verify under the worker's secrets (check OPENAI_WEBHOOK_SECRET, and core.WithSecret for a rotation's other secret)", attrs...)
		return nil, err
	}
	return e, nil
}

// causeOf names the core sentinel behind a verification failure.
func causeOf(err error) string {
	for _, s := range []error{core.ErrNoMatchingSignature, core.ErrInvalidSignatureHeader, core.ErrMissingHeader, core.ErrInvalidTimestamp, core.ErrMalformedEvent, core.ErrBodyTooLarge} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "unknown"
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

type txWorker[TTx any] struct {
	river.WorkerDefaults[EventArgs]
	verify
	db TxBeginner[TTx]
	h  TxHandler[TTx]
}

// Work verifies the job's delivery, then runs the handler and completes the job in one
// transaction.
func (w *txWorker[TTx]) Work(ctx context.Context, job *river.Job[EventArgs]) error {
	e, err := w.event(ctx, job)
	if err != nil {
		return err
	}
	ctx = core.NewContext(ctx, e)
	tx, err := w.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("riverjobs: begin the job's transaction: %w", err)
	}
	defer func() {
		// After Commit this does nothing. It must run even when ctx is done.
		rollbackCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = w.db.Rollback(rollbackCtx, tx)
	}()
	if err := w.h.HandleEventTx(ctx, tx, e); err != nil {
		return err
	}
	// JobCompleteTx needs the driver's type only to type-check tx; it works through the
	// client in ctx. The interface type keeps this package free of any driver.
	if _, err := river.JobCompleteTx[riverdriver.Driver[TTx]](ctx, tx, job); err != nil {
		if errors.Is(err, rivertype.ErrNotFound) {
			return fmt.Errorf("%w: job %d is no longer running in this attempt", ErrJobLost, job.ID)
		}
		return fmt.Errorf("riverjobs: complete job %d in its transaction: %w", job.ID, err)
	}
	if err := ownsCompletion(ctx, tx, job); err != nil {
		return err
	}
	if err := w.db.Commit(ctx, tx); err != nil {
		return fmt.Errorf("riverjobs: commit job %d: %w", job.ID, err)
	}
	w.logUnhandled(ctx, job, e)
	return nil
}

// ownsCompletion checks, inside tx, that the completion JobCompleteTx wrote is this
// attempt's. JobCompleteTx changes the row only while it is running, but may report no
// error when it is not: if River rescued the job meanwhile, it may be retryable, or
// running (or completed) in another worker's attempt, and committing would apply the
// handler's writes a second time.
func ownsCompletion[TTx any](ctx context.Context, tx TTx, job *river.Job[EventArgs]) error {
	client, err := river.ClientFromContextSafely[TTx](ctx)
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
