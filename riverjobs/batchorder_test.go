package riverjobs_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/riverjobs"
)

// Two receivers on one PostgreSQL database store the same webhook-ids at once, each
// batch holding them in another order (OpenAI's retries cross on two replicas): every
// delivery is stored or found stored, none refused. Two inserts that take the unique
// keys' locks in opposite orders would deadlock, and PostgreSQL would abort one of
// them, failing every delivery of its batch.
func TestReceiversStoringTheSameIDsInOppositeOrdersAllSucceed(t *testing.T) {
	b := postgres(t)
	const ids, rounds = 64, 6
	receivers := []*riverjobs.Enqueuer[pgx.Tx]{
		riverjobs.NewEnqueuer(newClient(t, b, nil, "", nil)),
		riverjobs.NewEnqueuer(newClient(t, b, nil, "", nil)),
	}
	var failures sync.Map
	for round := range rounds {
		events := make([]*core.Event, ids)
		for i := range ids {
			events[i] = mustUnwrap(t, signed(t, fmt.Sprintf("wh_order_%d_%03d", round, i)))
		}
		reversed := slices.Clone(events)
		slices.Reverse(reversed)
		var wg sync.WaitGroup
		for r, order := range [][]*core.Event{events, reversed} {
			for _, e := range order {
				copied := *e
				wg.Go(func() {
					if _, err := receivers[r].Enqueue(context.Background(), &copied); err != nil {
						failures.Store(e.WebhookID, err)
					}
				})
			}
		}
		wg.Wait()
	}
	n := 0
	failures.Range(func(k, v any) bool {
		if n++; n <= 3 {
			t.Errorf("%s not stored: %v", k, v)
		}
		return true
	})
	if n > 0 {
		t.Fatalf("%d deliveries refused", n)
	}
}
