package redisstore_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/idempotency/redisstore"
	"github.com/webhookkit/openai-webhooks/idempotency/storetest"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testredis"
)

// BenchmarkRedisStoreBeginFinish is one delivery as the pipeline handles it (a claim
// slot, Begin, Finish: two round trips) against a Redis on loopback. Keys are short-lived
// so the benchmark leaves nothing behind.
func BenchmarkRedisStoreBeginFinish(b *testing.B) {
	storetest.BenchBeginFinish(b, newBenchStore(b), redisBenchKey, time.Minute)
}

func BenchmarkRedisStoreBeginFinishParallel(b *testing.B) {
	s := newBenchStore(b)
	b.SetParallelism(8) // requests wait on the network, not the CPU
	storetest.BenchBeginFinishParallel(b, s, redisBenchKey, time.Minute)
}

// BenchmarkRedisStoreDuplicate is a retry of a delivery already done: one round trip.
func BenchmarkRedisStoreDuplicate(b *testing.B) {
	storetest.BenchDuplicate(b, newBenchStore(b), "dup", time.Minute)
}

func newBenchStore(b *testing.B) *redisstore.Store {
	client := testredis.Start(b)
	return redisstore.New(client, redisstore.WithPrefix(testPrefix(b, client)))
}

func redisBenchKey(i uint64) string { return strconv.FormatUint(i, 10) }
