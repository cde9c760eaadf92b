package idempotency_test

import (
	"context"
	"fmt"
	"time"

	"github.com/webhookkit/openai-webhooks/idempotency"
)

// The receive pipeline does this for every delivery; applications normally only pass the
// store to an adapter's WithIdempotency option.
func ExampleNewMemoryStore() {
	store := idempotency.NewMemoryStore(idempotency.WithMaxEntries(50_000))
	policy := idempotency.NewPolicy(idempotency.Lease(time.Minute))

	deliver := func(webhookID string, handler func() error) {
		ctx := context.Background()
		state, token, err := store.Begin(ctx, webhookID, policy.Lease)
		if err != nil {
			fmt.Println(webhookID, "store error, answer 503:", err)
			return
		}
		if state != idempotency.Claimed {
			fmt.Println(webhookID, state, "- handler not run")
			return
		}
		if err := handler(); err != nil {
			_ = store.Abandon(ctx, webhookID, token) // let OpenAI's retry run it
			fmt.Println(webhookID, "failed, released for retry")
			return
		}
		_ = store.Finish(ctx, webhookID, token, policy.Keep)
		fmt.Println(webhookID, "handled")
	}

	ok := func() error { return nil }
	deliver("wh_1", func() error { return fmt.Errorf("database down") })
	deliver("wh_1", ok) // OpenAI's retry
	deliver("wh_1", ok) // a duplicate delivery
	// Output:
	// wh_1 failed, released for retry
	// wh_1 handled
	// wh_1 done - handler not run
}
