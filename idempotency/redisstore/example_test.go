package redisstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/redisstore"
)

// Several replicas share one Redis, so a delivery runs once between them. Pass the
// store to an adapter's WithIdempotency option; the calls below are what the receive
// pipeline makes for each delivery.
func ExampleNew() {
	// For Sentinel or Cluster, use redis.NewFailoverClient, redis.NewClusterClient or
	// redis.NewUniversalClient instead: the store works with any of them.
	client := redis.NewClient(&redis.Options{Addr: "localhost:6379"})
	defer client.Close()
	store := redisstore.New(client, redisstore.WithPrefix("billing-webhooks:idem:"))

	ctx := context.Background()
	state, token, err := store.Begin(ctx, "wh_685342e6c9e0819091b7c8a29fa4e4f4", 2*time.Minute)
	if err != nil {
		fmt.Println("Redis unavailable, answer 503:", err)
		return
	}
	if state == idempotency.Claimed {
		// ... run the handler, then:
		err = store.Finish(ctx, "wh_685342e6c9e0819091b7c8a29fa4e4f4", token, idempotency.DefaultKeep)
	}
	fmt.Println(state, err)
}
