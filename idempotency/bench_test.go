package idempotency_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/storetest"
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

// benchKey picks the i-th key of the ring.
func benchKey(i uint64) string { return benchKeys[i&uint64(len(benchKeys)-1)] }

// BenchmarkMemoryStoreBeginFinish is one delivery as the pipeline handles it: a claim
// slot, Begin, Finish.
func BenchmarkMemoryStoreBeginFinish(b *testing.B) {
	storetest.BenchBeginFinish(b, idempotency.NewMemoryStore(), benchKey, time.Hour)
}

func BenchmarkMemoryStoreBeginFinishParallel(b *testing.B) {
	storetest.BenchBeginFinishParallel(b, idempotency.NewMemoryStore(), benchKey, time.Hour)
}

// BenchmarkMemoryStoreDuplicate is a retry of a delivery already done.
func BenchmarkMemoryStoreDuplicate(b *testing.B) {
	storetest.BenchDuplicate(b, idempotency.NewMemoryStore(), "wh_dup", time.Hour)
}
