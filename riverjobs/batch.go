package riverjobs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// maxBatch bounds how many deliveries one insert stores, and maxBatchBytes the bodies
// they carry together, so that one statement never holds hundreds of large bodies: a
// delivery may be up to the adapters' body limit (1 MiB by default).
const (
	maxBatch      = 256
	maxBatchBytes = 8 << 20
)

// batchTimeout bounds one batch's insert: it runs on behalf of several deliveries, so
// no one of their contexts may cancel it.
const batchTimeout = 30 * time.Second

// batcher stores concurrent deliveries with one insert and one commit (group commit):
// on a database that flushes each commit to disk (SQLite with synchronous=FULL,
// PostgreSQL with fsync), one flush then acknowledges many deliveries. A delivery that
// arrives while no insert is running is inserted at once, alone; those that arrive
// during an insert go together into the next. Each caller still returns only once its
// own job is committed.
type batcher[TTx any] struct {
	client *river.Client[TTx]
	opts   river.InsertOpts

	mu      sync.Mutex
	pending []*insertRequest
	running bool
}

type insertRequest struct {
	args EventArgs
	done chan insertResult // buffered: the batch never waits for its caller
}

type insertResult struct {
	res *rivertype.JobInsertResult
	err error
}

// insert stores args in the next batch and waits for it.
func (b *batcher[TTx]) insert(ctx context.Context, args EventArgs) (*rivertype.JobInsertResult, error) {
	req := &insertRequest{args: args, done: make(chan insertResult, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, req)
	if !b.running {
		b.running = true
		go b.run()
	}
	b.mu.Unlock()
	select {
	case r := <-req.done:
		return r.res, r.err
	case <-ctx.Done():
		// The job may still be stored: the delivery is then a duplicate when OpenAI
		// retries it, which is answered 200.
		return nil, ctx.Err()
	}
}

// run inserts batches until none is pending.
func (b *batcher[TTx]) run() {
	for {
		b.mu.Lock()
		if len(b.pending) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		n := batchLen(b.pending)
		batch := b.pending[:n:n]
		b.pending = b.pending[n:]
		b.mu.Unlock()
		b.insertBatch(batch)
	}
}

// batchLen is how many of the pending requests, from the first, go into the next
// batch: at most maxBatch, and no more than maxBatchBytes of bodies, but always one.
func batchLen(pending []*insertRequest) int {
	n, size := 0, 0
	for _, req := range pending {
		if n == maxBatch || (n > 0 && size+len(req.args.Body) > maxBatchBytes) {
			break
		}
		n++
		size += len(req.args.Body)
	}
	return n
}

// insertBatch inserts one job per webhook-id of batch: a second delivery of a
// webhook-id in the same batch is its first's duplicate (PostgreSQL refuses a statement
// that inserts the same unique key twice). The jobs are inserted in the order of their
// webhook-ids: each row takes its unique key's lock as it is inserted, and two batches
// (on two replicas) holding the same webhook-ids in opposite orders would otherwise
// deadlock, PostgreSQL then failing one of them whole.
func (b *batcher[TTx]) insertBatch(batch []*insertRequest) {
	order := make([]*insertRequest, len(batch))
	copy(order, batch)
	slices.SortStableFunc(order, func(x, y *insertRequest) int { return strings.Compare(x.args.WebhookID, y.args.WebhookID) })
	first := map[string]int{} // webhook-id → index in params
	var params []river.InsertManyParams
	for _, req := range order {
		if _, seen := first[req.args.WebhookID]; !seen {
			first[req.args.WebhookID] = len(params)
			opts := b.opts
			params = append(params, river.InsertManyParams{Args: req.args, InsertOpts: &opts})
		}
	}
	slot := make([]int, len(batch))
	for i, req := range batch {
		slot[i] = first[req.args.WebhookID]
	}
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	results, err := b.client.InsertMany(ctx, params)
	if err == nil && len(results) != len(params) {
		err = fmt.Errorf("riverjobs: River returned %d results for %d jobs", len(results), len(params))
	}
	answered := make([]bool, len(params))
	for i, req := range batch {
		if err != nil {
			req.done <- insertResult{err: fmt.Errorf("%w: %w", ErrNotStored, err)}
			continue
		}
		res := results[slot[i]]
		if answered[slot[i]] {
			dup := *res
			dup.UniqueSkippedAsDuplicate = true
			res = &dup
		}
		answered[slot[i]] = true
		req.done <- insertResult{res: res}
	}
}
