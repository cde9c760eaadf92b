package main

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/riverjobs"
)

// groupCommit is an experiment, not part of the library: a core.Handler that stores the
// deliveries arriving while the previous insert commits together, in one River
// InsertMany (one transaction, one fsync on SQLite), and answers each only after that
// commit. It is built on riverjobs' public API only (NewEventArgs, the Enqueuer's
// InsertOpts), to measure what group commit would give a SQLite file with one
// connection, where every delivery is otherwise a transaction of its own (-group).
type groupCommit[TTx any] struct {
	client  *river.Client[TTx]
	opts    *river.InsertOpts
	pending chan insertRequest
	max     int
}

type insertRequest struct {
	ctx   context.Context
	e     *core.Event
	args  river.InsertManyParams
	reply chan error
}

func newGroupCommit[TTx any](client *river.Client[TTx], maxBatch int) *groupCommit[TTx] {
	g := &groupCommit[TTx]{
		client:  client,
		opts:    riverjobs.NewEnqueuer(client).InsertOpts(),
		pending: make(chan insertRequest, 4*maxBatch),
		max:     maxBatch,
	}
	go g.loop()
	return g
}

func (g *groupCommit[TTx]) HandleEvent(ctx context.Context, e *core.Event) error {
	args, err := riverjobs.NewEventArgs(e)
	if err != nil {
		return err
	}
	r := insertRequest{ctx: ctx, e: e, args: river.InsertManyParams{Args: args, InsertOpts: g.opts}, reply: make(chan error, 1)}
	select {
	case g.pending <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.reply:
		return err
	case <-ctx.Done():
		// The insert may still commit: a retry of the delivery is then a duplicate.
		return ctx.Err()
	}
}

// loop takes whatever is waiting, up to max, as one batch: no timer, so a lone
// delivery is inserted at once and batches grow only while the database is busy.
func (g *groupCommit[TTx]) loop() {
	for first := range g.pending {
		batch := []insertRequest{first}
	drain:
		for len(batch) < g.max {
			select {
			case r := <-g.pending:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		params := make([]river.InsertManyParams, len(batch))
		for i, r := range batch {
			params[i] = r.args
		}
		res, err := g.client.InsertMany(context.Background(), params)
		for i, r := range batch {
			switch {
			case err != nil:
				r.reply <- fmt.Errorf("%w: %w", riverjobs.ErrNotStored, err)
			default:
				if res[i].UniqueSkippedAsDuplicate {
					r.e.MarkDuplicate()
				}
				r.reply <- nil
			}
		}
	}
}
