// Command loadtest drives each adapter's Middleware, in front of a no-op handler, and a
// bare server of the same framework whose handler only reads the body, with concurrent
// keep-alive clients sending valid signed 400-byte deliveries over loopback. It prints
// a markdown table: requests/s, p50 and p99 latency, the middleware's overhead against
// the bare server, and the heap growth over the measured requests.
//
// Client and servers run in this one process and share the machine's cores, so the
// numbers are a comparison between servers, not a capacity figure.
//
//	go run ./cmd/loadtest -requests 100000 -concurrency 32
package main

import (
	"bytes"
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/webhookkit/openai-webhooks/bench/internal/fixture"
	"github.com/webhookkit/openai-webhooks/core"
)

// server is one framework's server on a loopback listener, with the middleware in front
// of a no-op handler or bare.
type server struct {
	framework string
	// start serves on ln until stop is called. With v nil, the bare handler.
	start func(ln net.Listener, v *core.Verifier) (stop func())
}

// servers are run in this order; each framework's file holds its start function.
var servers = []server{
	{framework: "nethttp", start: startNetHTTP},
	{framework: "gin", start: startGin},
	{framework: "echo", start: startEcho},
	{framework: "fiber", start: startFiber},
}

type result struct {
	framework, kind string
	requests        int
	errors          int
	elapsed         time.Duration
	p50, p99        time.Duration
	heapBefore      uint64
	heapAfter       uint64
	timedOut        bool
	rounds          int
}

func (r result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func main() {
	requests := flag.Int("requests", 100_000, "measured requests per server")
	warmup := flag.Int("warmup", 5_000, "requests before measuring (and before the first heap reading)")
	concurrency := flag.Int("concurrency", 32, "concurrent keep-alive clients")
	maxDuration := flag.Duration("max-duration", 60*time.Second, "stop a server's measurement after this long")
	size := flag.Int("size", 400, "body size in bytes")
	pool := flag.Int("pool", 1024, "distinct pre-signed deliveries, sent round-robin")
	only := flag.String("frameworks", "", "comma-separated frameworks to run (default all: nethttp,gin,echo,fiber)")
	rounds := flag.Int("rounds", 1, "measure every server this many times; report the median round")
	flag.Parse()

	// Deliveries are signed once with the start time; the verifier's tolerance covers
	// the whole run, so every request is valid and signing is not measured.
	signedAt := time.Now()
	v, err := core.NewVerifier(fixture.Secret, core.WithTolerance(time.Hour))
	if err != nil {
		fatal(err)
	}
	deliveries := make([]fixture.Delivery, *pool)
	for i := range deliveries {
		deliveries[i] = fixture.NewDelivery(fixture.EventBody(*size, i), fixture.WebhookID(i), signedAt, 1, true)
	}

	// Each round runs every selected server once; the order of bare and middleware
	// alternates between rounds, so that a slow stretch of a shared machine does not
	// always hit the same side. Per server, the round with the median requests/s is
	// reported, with the largest heap growth of all rounds.
	runs := map[string][]result{}
	var order []string
	for round := range *rounds {
		for _, s := range servers {
			if *only != "" && !slices.Contains(strings.Split(*only, ","), s.framework) {
				continue
			}
			kinds := []string{"bare", "middleware"}
			if round%2 == 1 {
				slices.Reverse(kinds)
			}
			for _, kind := range kinds {
				var verifier *core.Verifier
				if kind == "middleware" {
					verifier = v
				}
				r := run(s, kind, verifier, deliveries, *warmup, *requests, *concurrency, *maxDuration)
				fmt.Fprintf(os.Stderr, "round %d: %-8s %-10s %7d req %6.0f req/s p50 %v p99 %v errors %d heap %+d B\n",
					round+1, r.framework, r.kind, r.requests, r.rps(), r.p50, r.p99, r.errors, int64(r.heapAfter)-int64(r.heapBefore))
				k := s.framework + "/" + kind
				if round == 0 {
					order = append(order, k)
				}
				runs[k] = append(runs[k], r)
			}
		}
	}
	var results []result // round 1 ran bare first, so each framework reads bare, middleware
	for _, k := range order {
		results = append(results, pick(runs[k]))
	}
	printTable(results, *requests, *concurrency, *size, *rounds)
	for _, r := range results {
		if r.errors > 0 {
			os.Exit(1)
		}
	}
}

// pick returns the run with the median requests/s, carrying the largest heap growth and
// the errors of all runs.
func pick(rs []result) result {
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b result) int { return cmp.Compare(a.rps(), b.rps()) })
	out := sorted[len(sorted)/2]
	out.errors = 0
	for _, r := range rs {
		out.errors += r.errors
		out.timedOut = out.timedOut || r.timedOut
		if int64(r.heapAfter)-int64(r.heapBefore) > int64(out.heapAfter)-int64(out.heapBefore) {
			out.heapBefore, out.heapAfter = r.heapBefore, r.heapAfter
		}
	}
	out.rounds = len(rs)
	return out
}

func run(s server, kind string, v *core.Verifier, deliveries []fixture.Delivery, warmup, requests, concurrency int, maxDuration time.Duration) result {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	stop := s.start(ln, v)
	defer stop()
	url := "http://" + ln.Addr().String() + "/webhook"

	transport := &http.Transport{
		MaxIdleConns:        concurrency,
		MaxIdleConnsPerHost: concurrency,
		MaxConnsPerHost:     concurrency,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}

	r := result{framework: s.framework, kind: kind}
	latencies := make([]time.Duration, requests) // before the first heap reading
	drive(client, url, deliveries, warmup, concurrency, maxDuration, nil)
	r.heapBefore = heapAlloc()

	start := time.Now()
	done, errs, timedOut := drive(client, url, deliveries, requests, concurrency, maxDuration, latencies)
	r.elapsed = time.Since(start)
	r.heapAfter = heapAlloc()
	r.requests, r.errors, r.timedOut = done, errs, timedOut

	latencies = latencies[:done]
	slices.Sort(latencies)
	if done > 0 {
		r.p50 = latencies[done*50/100]
		r.p99 = latencies[min(done-1, done*99/100)]
	}
	return r
}

// drive sends count requests with concurrency workers, stopping early after
// maxDuration. It records each request's latency in latencies (when not nil) and returns
// how many requests completed, how many of those failed, and whether time ran out.
func drive(client *http.Client, url string, deliveries []fixture.Delivery, count, concurrency int, maxDuration time.Duration, latencies []time.Duration) (done, errs int, timedOut bool) {
	ctx, cancel := context.WithTimeout(context.Background(), maxDuration)
	defer cancel()
	var next, completed, failed atomic.Int64
	var firstErr sync.Once
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := &bytes.Reader{}
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= count {
					return
				}
				d := &deliveries[i%len(deliveries)]
				body.Reset(d.Body)
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, io.NopCloser(body))
				if err != nil {
					fatal(err)
				}
				req.ContentLength = int64(len(d.Body))
				req.Header = d.HTTP.Clone()
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				elapsed := time.Since(t0)
				if ctx.Err() != nil && err != nil {
					return // cut off by maxDuration: not a server failure
				}
				n := completed.Add(1)
				if latencies != nil {
					latencies[n-1] = elapsed
				}
				if err != nil {
					failed.Add(1)
					firstErr.Do(func() { fmt.Fprintf(os.Stderr, "loadtest: %s: %v\n", url, err) })
				}
			}
		}()
	}
	wg.Wait()
	return int(completed.Load()), int(failed.Load()), ctx.Err() != nil
}

// heapAlloc returns the live heap after a full collection.
func heapAlloc() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func printTable(results []result, requests, concurrency, size, rounds int) {
	fmt.Printf("%d measured requests per server (after warm-up), %d keep-alive clients, %d-byte valid signed deliveries, loopback; client and servers share GOMAXPROCS=%d; median of %d round(s).\n\n",
		requests, concurrency, size, runtime.GOMAXPROCS(0), rounds)
	fmt.Println("| framework | server | requests | req/s | p50 | p99 | overhead vs bare (time/request) | heap after warm-up | heap at end | growth |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	bare := map[string]result{}
	for _, r := range results {
		if r.kind == "bare" {
			bare[r.framework] = r
		}
	}
	for _, r := range results {
		overhead := ""
		if b, ok := bare[r.framework]; ok && r.kind == "middleware" && r.rps() > 0 {
			overhead = fmt.Sprintf("%+.1f%%", (b.rps()/r.rps()-1)*100)
		}
		note := ""
		if r.timedOut {
			note = " (time limit)"
		}
		if r.errors > 0 {
			note += fmt.Sprintf(" (%d errors)", r.errors)
		}
		fmt.Printf("| %s | %s | %d%s | %.0f | %s | %s | %s | %s | %s | %s |\n",
			r.framework, r.kind, r.requests, note, r.rps(), round(r.p50), round(r.p99), overhead,
			mib(r.heapBefore), mib(r.heapAfter), growth(r.heapBefore, r.heapAfter))
	}
}

func round(d time.Duration) string {
	switch {
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	}
}

func mib(b uint64) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }

func growth(before, after uint64) string {
	d := int64(after) - int64(before)
	return fmt.Sprintf("%+.1f KiB (%+.1f%%)", float64(d)/1024, float64(d)/float64(before)*100)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadtest:", err)
	os.Exit(2)
}
