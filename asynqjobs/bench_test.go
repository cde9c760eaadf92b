package asynqjobs_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// BenchmarkEnqueuePath is what OpenAI waits for: a signed 400-byte delivery POSTed over
// loopback to the net/http adapter, verified, and stored as an asynq task in a Redis on
// loopback, by 8 concurrent senders. No worker runs: the answer does not wait for one.
// It reports the latency of one delivery as seen by the sender (p50, p99) and the
// deliveries stored per second.
//
// The sub-benchmark noop is the same path with a handler that does nothing: the part of
// the latency that is HTTP and verification, not Redis.
//
//	go test -run '^$' -bench EnqueuePath -benchtime 5000x -count 3 ./asynqjobs
func BenchmarkEnqueuePath(b *testing.B) {
	b.Run("enqueue", func(b *testing.B) {
		e := newEnv(b)
		benchSenders(b, e, e.nethttpReceiver(b, e.enqueuer()))
	})
	b.Run("noop", func(b *testing.B) {
		e := newEnv(b)
		noop := httptest.NewServer(nethttp.Handler(e.verifier, core.HandlerFunc(func(context.Context, *core.Event) error { return nil }), nethttp.WithLogger(quiet)))
		defer noop.Close()
		benchSenders(b, e, noop.URL)
	})
}

// benchSenders sends b.N distinct deliveries to url from 8 goroutines and reports the
// latency percentiles and the throughput.
func benchSenders(b *testing.B, e *env, url string) {
	const senders = 8
	body := conformance.PaddedEvent(conformance.BenchBodySize)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	defer client.CloseIdleConnections()
	run := strconv.FormatInt(time.Now().UnixNano(), 36)

	var next atomic.Int64
	latencies := make([][]time.Duration, senders)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				e.signer.Headers("wh_bench_"+run+"_"+strconv.FormatInt(i, 10), time.Now(), body).Set(req.Header)
				sent := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				latencies[s] = append(latencies[s], time.Since(sent))
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d, want 200", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	all := slices.Sorted(slices.Values(slices.Concat(latencies...)))
	if len(all) == 0 {
		return
	}
	percentile := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	b.ReportMetric(percentile(0.50), "p50-ms")
	b.ReportMetric(percentile(0.99), "p99-ms")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "deliveries/s")
}
