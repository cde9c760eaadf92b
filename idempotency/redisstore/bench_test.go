package redisstore_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/redisstore"
	"github.com/webhookkit/openai-webhooks/internal/testredis"
)

// BenchmarkRedisStoreBeginFinish is one delivery as the pipeline handles it (a claim
// slot, Begin, Finish: two round trips) against a Redis on loopback. Keys are short-lived
// so the benchmark leaves nothing behind.
func BenchmarkRedisStoreBeginFinish(b *testing.B) {
	client := testredis.Start(b)
	s := redisstore.New(client, redisstore.WithPrefix(testPrefix(b, client)))
	bg := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		key := strconv.Itoa(i)
		i++
		ctx := idempotency.WithClaim(bg)
		if st, err := s.Begin(ctx, key, time.Minute); err != nil || st != idempotency.Claimed {
			b.Fatalf("Begin = %v, %v", st, err)
		}
		if err := s.Finish(ctx, key, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRedisStoreBeginFinishParallel(b *testing.B) {
	client := testredis.Start(b)
	s := redisstore.New(client, redisstore.WithPrefix(testPrefix(b, client)))
	bg := context.Background()
	var next atomic.Uint64
	b.ReportAllocs()
	b.SetParallelism(8) // requests wait on the network, not the CPU
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := strconv.FormatUint(next.Add(1), 10)
			ctx := idempotency.WithClaim(bg)
			if st, err := s.Begin(ctx, key, time.Minute); err != nil || st != idempotency.Claimed {
				b.Errorf("Begin = %v, %v", st, err)
				return
			}
			if err := s.Finish(ctx, key, time.Minute); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRedisStoreDuplicate is a retry of a delivery already done: one round trip.
func BenchmarkRedisStoreDuplicate(b *testing.B) {
	client := testredis.Start(b)
	s := redisstore.New(client, redisstore.WithPrefix(testPrefix(b, client)))
	ctx := idempotency.WithClaim(context.Background())
	if _, err := s.Begin(ctx, "dup", time.Minute); err != nil {
		b.Fatal(err)
	}
	if err := s.Finish(ctx, "dup", time.Minute); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if st, err := s.Begin(ctx, "dup", time.Minute); err != nil || st != idempotency.Done {
			b.Fatalf("Begin = %v, %v", st, err)
		}
	}
}
