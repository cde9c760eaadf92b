package riverjobs

import (
	"context"
	"fmt"
	"slices"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/core"
)

// uniqueStates returns the job states in which a webhook-id blocks a new job: every
// state but cancelled. River requires available, pending, running and scheduled. A
// cancelled job is one whose stored arguments did not decode (or one cancelled on
// purpose): it must not keep OpenAI's genuine redelivery of that webhook-id out of the
// queue. A discarded job (a dead letter) does: it is replayed, not queued again.
func uniqueStates() []rivertype.JobState {
	return []rivertype.JobState{
		rivertype.JobStateAvailable,
		rivertype.JobStateCompleted,
		rivertype.JobStateDiscarded,
		rivertype.JobStatePending,
		rivertype.JobStateRetryable,
		rivertype.JobStateRunning,
		rivertype.JobStateScheduled,
	}
}

// Enqueuer stores verified deliveries as River jobs, one per webhook-id. It is a
// core.Handler: give it to an adapter's Handler, which answers 200 once the job is
// stored (or found already stored) and 500 when it is not. TTx is the transaction type
// of the River driver (pgx.Tx on riverpgxv5, *sql.Tx on riversqlite).
type Enqueuer[TTx any] struct {
	client *river.Client[TTx]
	opts   river.InsertOpts
	batch  *batcher[TTx]
}

// NewEnqueuer returns an Enqueuer inserting with c, a River client on any driver
// (riverpgxv5, riversqlite). The client needs no queues of its own to insert: a receiver
// can use an insert-only client and leave the work to other processes. Start returns a
// Queue, which is an Enqueuer on a started client.
func NewEnqueuer[TTx any](c *river.Client[TTx], opts ...EnqueuerOption) *Enqueuer[TTx] {
	if c == nil {
		panic("riverjobs.NewEnqueuer: nil *river.Client: pass the client made with river.NewClient(riverpgxv5.New(pool), config)")
	}
	return newEnqueuer(c, newEnqueuerConfig(opts))
}

func newEnqueuer[TTx any](c *river.Client[TTx], cfg enqueuerConfig) *Enqueuer[TTx] {
	opts := insertOpts(cfg)
	return &Enqueuer[TTx]{client: c, opts: opts, batch: &batcher[TTx]{client: c, opts: opts}}
}

func insertOpts(cfg enqueuerConfig) river.InsertOpts {
	return river.InsertOpts{
		Queue:       cfg.queue,
		MaxAttempts: cfg.maxAttempts,
		UniqueOpts: river.UniqueOpts{
			ByArgs:   true, // only WebhookID, by its river:"unique" tag
			ByPeriod: cfg.uniquePeriod,
			ByState:  uniqueStates(),
		},
	}
}

// HandleEvent stores e as a job, or finds it stored already (a redelivery, which it
// marks with core.Event.MarkDuplicate: the adapter answers 200
// {"received":true,"duplicate":true}, logs it and reports core.OutcomeDuplicate), and
// returns nil in both cases; it returns an error wrapping ErrNotStored when River or
// the database refuses the insert (down, disk full, a failed commit), so that the
// adapter answers 500 and OpenAI retries.
func (q *Enqueuer[TTx]) HandleEvent(ctx context.Context, e *core.Event) error {
	_, err := q.Enqueue(ctx, e)
	return err
}

// Enqueue is HandleEvent returning River's result: res.UniqueSkippedAsDuplicate is true
// when the webhook-id was queued already (e is then marked duplicate, as by
// HandleEvent), and res.Job is then that earlier job.
//
// Deliveries enqueued at the same time are stored together, with one insert and one
// commit (group commit): on a database that flushes each commit to disk, one flush
// acknowledges them all. Each call still returns only once its own job is committed.
func (q *Enqueuer[TTx]) Enqueue(ctx context.Context, e *core.Event) (*rivertype.JobInsertResult, error) {
	args, err := NewEventArgs(e)
	if err != nil {
		return nil, err
	}
	res, err := q.batch.insert(ctx, args)
	if err != nil {
		return nil, err
	}
	markDuplicate(e, res)
	return res, nil
}

// EnqueueTx stores e as a job in the caller's transaction tx: the job exists if and only
// if tx commits, together with whatever else the caller wrote in it. It is for code that
// receives a delivery itself (nethttp.Middleware, say) and records it along with its own
// rows. Uniqueness works as in Enqueue: a concurrent transaction enqueuing the same
// webhook-id waits for tx to end. Do not acknowledge the delivery before tx commits.
func (q *Enqueuer[TTx]) EnqueueTx(ctx context.Context, tx TTx, e *core.Event) (*rivertype.JobInsertResult, error) {
	args, err := NewEventArgs(e)
	if err != nil {
		return nil, err
	}
	opts := q.opts
	res, err := q.client.InsertTx(ctx, tx, args, &opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotStored, err)
	}
	markDuplicate(e, res)
	return res, nil
}

// markDuplicate marks e duplicate when River found its webhook-id queued already.
func markDuplicate(e *core.Event, res *rivertype.JobInsertResult) {
	if res != nil && res.UniqueSkippedAsDuplicate {
		e.MarkDuplicate()
	}
}

// InsertOpts returns a copy of the options Enqueue inserts with (queue, attempts,
// uniqueness by webhook-id), for callers that insert EventArgs themselves, such as with
// river.Client.InsertMany.
func (q *Enqueuer[TTx]) InsertOpts() *river.InsertOpts {
	opts := q.opts
	opts.UniqueOpts.ByState = slices.Clone(opts.UniqueOpts.ByState)
	return &opts
}
