package riverjobs_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
)

// BenchmarkEnqueueOverHTTP measures a receiver that stores each delivery as a River job:
// 8 senders post signed deliveries concurrently over loopback HTTP to nethttp.Handler with
// an Enqueuer, on the test's PostgreSQL (fsync off: this is the library's and River's
// cost, not a disk's) and on a SQLite file as sqlitejobs opens it (synchronous=FULL: each
// job is on disk before its answer). It reports the latency of one delivery (p50, p99)
// and deliveries per second. "new": every delivery a new webhook-id (one insert each);
// "redelivery": every delivery the same webhook-id (found already queued).
func BenchmarkEnqueueOverHTTP(b *testing.B) {
	b.Run("postgres", func(b *testing.B) { benchEnqueue(b, postgres(b)) })
	b.Run("sqlite", func(b *testing.B) { benchEnqueue(b, sqlite(b)) })
}

func benchEnqueue[TTx any](b *testing.B, e *env[TTx]) {
	const senders = 8
	server := httptest.NewServer(nethttp.Handler(mustVerifier(b), riverjobs.NewEnqueuer(newClient(b, e, nil, "", nil)), nethttp.WithLogger(quiet)))
	b.Cleanup(server.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}

	for _, mode := range []string{"new", "redelivery"} {
		b.Run(mode, func(b *testing.B) {
			deliveries := make([]delivery, b.N)
			for i := range deliveries {
				id := "wh_bench_same"
				if mode == "new" {
					id = fmt.Sprintf("wh_bench_%d_%d", time.Now().UnixNano(), i)
				}
				deliveries[i] = signed(b, id)
			}
			latencies := make([]time.Duration, b.N)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range senders {
				wg.Go(func() {
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						t0 := time.Now()
						status, answer, err := send(client, server.URL, deliveries[i])
						latencies[i] = time.Since(t0)
						if err != nil || status != http.StatusOK {
							b.Errorf("delivery %d: %d %s %v", i, status, answer, err)
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			slices.Sort(latencies)
			b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
		})
	}
}
