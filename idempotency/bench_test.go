package idempotency_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/idempotency"
)

// benchKeys is a ring of distinct delivery ids, longer than the store's default
// capacity: by the time a key comes round again it has been evicted, so every Begin in
// the benchmarks below takes a fresh claim, and the store runs full, as in production.
var benchKeys = func() []string {
	keys := make([]string, 1<<18)
	for i := range keys {
		keys[i] = "wh_" + strconv.Itoa(i) + "_2NzV8dT4pLm0aQe"
	}
	return keys
}()

// BenchmarkMemoryStoreBeginFinish is one delivery as the pipeline handles it: a claim
// slot, Begin, Finish.
func BenchmarkMemoryStoreBeginFinish(b *testing.B) {
	s := idempotency.NewMemoryStore()
	bg := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		key := benchKeys[i&(len(benchKeys)-1)]
		i++
		ctx := idempotency.WithClaim(bg)
		if st, err := s.Begin(ctx, key, time.Minute); err != nil || st != idempotency.Claimed {
			b.Fatalf("Begin = %v, %v", st, err)
		}
		if err := s.Finish(ctx, key, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMemoryStoreBeginFinishParallel(b *testing.B) {
	s := idempotency.NewMemoryStore()
	bg := context.Background()
	var next atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := benchKeys[next.Add(1)&(uint64(len(benchKeys))-1)]
			ctx := idempotency.WithClaim(bg)
			if st, err := s.Begin(ctx, key, time.Minute); err != nil || st != idempotency.Claimed {
				b.Errorf("Begin = %v, %v", st, err)
				return
			}
			if err := s.Finish(ctx, key, time.Hour); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkMemoryStoreDuplicate is a retry of a delivery already done.
func BenchmarkMemoryStoreDuplicate(b *testing.B) {
	s := idempotency.NewMemoryStore()
	ctx := idempotency.WithClaim(context.Background())
	if _, err := s.Begin(ctx, "wh_dup", time.Minute); err != nil {
		b.Fatal(err)
	}
	if err := s.Finish(ctx, "wh_dup", time.Hour); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if st, err := s.Begin(ctx, "wh_dup", time.Minute); err != nil || st != idempotency.Done {
			b.Fatalf("Begin = %v, %v", st, err)
		}
	}
}
