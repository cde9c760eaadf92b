package storetest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/idempotency"
)

// BenchBeginFinish times one delivery as an adapter handles it: Begin, Finish. key(i)
// names the i-th delivery, a key not used before, and keep is how long finished ones
// are remembered. A store's benchmarks call it, and the other Bench functions, so that
// every store is timed the same way.
func BenchBeginFinish(b *testing.B, s idempotency.Store, key func(i uint64) string, keep time.Duration) {
	bg := context.Background()
	b.ReportAllocs()
	var i uint64
	for b.Loop() {
		k := key(i)
		i++
		st, tok, err := s.Begin(bg, k, time.Minute)
		if err != nil || st != idempotency.Claimed {
			b.Fatalf("Begin = %v, %v", st, err)
		}
		if err := s.Finish(bg, k, tok, keep); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchBeginFinishParallel is BenchBeginFinish from b.RunParallel's goroutines, which
// share the sequence of keys.
func BenchBeginFinishParallel(b *testing.B, s idempotency.Store, key func(i uint64) string, keep time.Duration) {
	bg := context.Background()
	var next atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := key(next.Add(1))
			st, tok, err := s.Begin(bg, k, time.Minute)
			if err != nil || st != idempotency.Claimed {
				b.Errorf("Begin = %v, %v", st, err)
				return
			}
			if err := s.Finish(bg, k, tok, keep); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchDuplicate times a retry of a delivery already done: Begin answers Done. It
// finishes key first and keeps it for keep, which must outlast the benchmark.
func BenchDuplicate(b *testing.B, s idempotency.Store, key string, keep time.Duration) {
	ctx := context.Background()
	_, tok, err := s.Begin(ctx, key, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Finish(ctx, key, tok, keep); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if st, _, err := s.Begin(ctx, key, time.Minute); err != nil || st != idempotency.Done {
			b.Fatalf("Begin = %v, %v", st, err)
		}
	}
}
