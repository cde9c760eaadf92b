package riverjobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/webhookkit/openai-webhooks/riverjobs"
)

// Many deliveries enqueued at once on one Enqueuer are stored together (group commit),
// copies of one webhook-id among them: one job per webhook-id, every other copy
// answered as a duplicate, none lost.
func TestConcurrentEnqueuesStoreOneJobPerWebhookID(t *testing.T) {
	onBothDrivers(t, testConcurrentEnqueues[pgx.Tx], testConcurrentEnqueues[*sql.Tx])
}

func testConcurrentEnqueues[TTx any](t *testing.T, b *env[TTx]) {
	const ids, copies = 40, 5
	q := riverjobs.NewEnqueuer(newClient(t, b, nil, "", nil))
	var fresh, duplicates atomic.Int32
	var wg sync.WaitGroup
	for i := range ids {
		e := mustUnwrap(t, signed(t, fmt.Sprintf("wh_batch_%02d", i)))
		for range copies {
			wg.Go(func() {
				// Each copy its own event, as each delivery is.
				copied := *e
				res, err := q.Enqueue(context.Background(), &copied)
				switch {
				case err != nil:
					t.Error(err)
				case res.UniqueSkippedAsDuplicate:
					duplicates.Add(1)
				default:
					fresh.Add(1)
				}
			})
		}
	}
	wg.Wait()
	if fresh.Load() != ids || duplicates.Load() != ids*(copies-1) {
		t.Fatalf("%d new jobs and %d duplicates, want %d and %d", fresh.Load(), duplicates.Load(), ids, ids*(copies-1))
	}
	if n := count(t, b, `SELECT count(*) FROM river_job`); n != ids {
		t.Fatalf("%d jobs, want %d", n, ids)
	}
}
