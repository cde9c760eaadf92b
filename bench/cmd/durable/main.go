// Command durable measures verify + durable enqueue through nethttp.Handler: each
// delivery is verified and stored as a job before it is answered 200, on SQLite
// (sqlitejobs' settings: WAL, synchronous=FULL, one connection), PostgreSQL (River) and
// Redis (asynq), with concurrent keep-alive senders over loopback, side by side in one
// run. It prints a markdown table: deliveries/s, p50, p99 and max latency, and the jobs
// found stored afterwards (every answered delivery must be one).
//
// SQLite needs nothing: the file is made in a temporary directory (-sqlite-dir to put it
// on another disk). PostgreSQL and Redis are the servers the URLs name; a backend
// without its URL is skipped with a note. The PostgreSQL database gets River's tables
// (migrations) and keeps the jobs; the Redis queue "bench_durable" is deleted at the end.
// Use scratch servers.
//
//	DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/0 \
//	  go run ./cmd/durable -requests 20000 -concurrency 32
//
// Only the enqueue path is measured: no workers run, so that the numbers are the
// receiver's (with -work, workers with a no-op handler run in the same process, as in
// sqlitejobs.Open's default deployment, and compete for the same database).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

func main() {
	requests := flag.Int("requests", 20000, "measured deliveries per backend")
	warmup := flag.Int("warmup", 500, "deliveries sent first and not measured")
	concurrency := flag.Int("concurrency", 32, "concurrent senders")
	sqliteDir := flag.String("sqlite-dir", "", "directory of the SQLite file (default a new temporary directory)")
	pgURL := flag.String("postgres", os.Getenv("DATABASE_URL"), "PostgreSQL URL (default $DATABASE_URL; empty skips PostgreSQL)")
	redisURL := flag.String("redis", os.Getenv("REDIS_URL"), "Redis URL (default $REDIS_URL; empty skips Redis)")
	only := flag.String("backends", "sqlite,postgres,redis", "comma-separated backends to run, in this order")
	work := flag.Bool("work", false, "also run workers (no-op handler) in this process while measuring")
	rounds := flag.Int("rounds", 1, "measure every backend this many times, interleaved, and print the medians")
	rate := flag.Float64("rate", 0, "offered load in deliveries/s, spread evenly over the senders' schedule (0: as fast as the senders can); a latency counts from each delivery's due time, so a late sender's wait is in it")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to `FILE`")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "durable:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(config{*requests, *warmup, *concurrency, *sqliteDir, *pgURL, *redisURL, strings.Split(*only, ","), *work, max(*rounds, 1), *rate}); err != nil {
		fmt.Fprintln(os.Stderr, "durable:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

type config struct {
	requests, warmup, concurrency int
	sqliteDir, pgURL, redisURL    string
	backends                      []string
	work                          bool
	rounds                        int
	rate                          float64 // deliveries/s offered; 0: closed loop
}

// backend is one durable queue behind nethttp.Handler.
type backend struct {
	name string
	// open returns the queue (the core.Handler), a count of the jobs stored, and close.
	open func(ctx context.Context, v *core.Verifier) (h core.Handler, stored func(context.Context) (int, error), closeFn func(), err error)
}

type result struct {
	name          string
	perSecond     float64
	p50, p99, max time.Duration
	failed        int
	stored        int
	note          string
}

func run(cfg config) error {
	sender := webhooktest.NewSender()
	// Deliveries are signed up front, so signing is not measured; they stay valid for
	// the whole run.
	v := sender.Verifier(core.WithTolerance(time.Hour))
	rounds := make([][]result, len(cfg.backends))
	// Rounds interleave the backends: on a shared machine a busy spell then slows each a
	// little rather than one a lot; the table shows each metric's median over the rounds.
	for round := range cfg.rounds {
		var this []result
		for i, name := range cfg.backends {
			b, skip := pick(strings.TrimSpace(name), cfg)
			if skip != "" {
				rounds[i] = append(rounds[i], result{name: name, note: skip})
				continue
			}
			fmt.Fprintf(os.Stderr, "==> round %d: %s\n", round+1, b.name)
			r, err := measure(cfg, sender, v, b)
			if err != nil {
				return fmt.Errorf("%s: %w", b.name, err)
			}
			rounds[i] = append(rounds[i], r)
			this = append(this, r)
		}
		if cfg.rounds > 1 {
			printTable(os.Stderr, cfg, fmt.Sprintf("round %d", round+1), this)
		}
	}
	results := make([]result, len(rounds))
	for i, rs := range rounds {
		results[i] = median(rs)
	}
	what := "one round"
	if cfg.rounds > 1 {
		what = fmt.Sprintf("medians of %d rounds", cfg.rounds)
	}
	printTable(os.Stdout, cfg, what, results)
	return nil
}

func measure(cfg config, sender *webhooktest.Sender, v *core.Verifier, b backend) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	h, stored, closeFn, err := b.open(ctx, v)
	if err != nil {
		return result{}, err
	}
	defer closeFn()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	srv := &http.Server{Handler: nethttp.Handler(v, h, nethttp.WithLogger(quiet)), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/webhooks/openai"

	all := make([]webhooktest.Delivery, cfg.warmup+cfg.requests)
	for i := range all {
		all[i] = sender.Delivery(core.BatchCompleted, core.BatchData{ID: fmt.Sprintf("batch_%d", i)})
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.concurrency, MaxConnsPerHost: cfg.concurrency}, Timeout: 30 * time.Second}
	if _, _, err := send(client, url, all[:cfg.warmup], cfg.concurrency, 0); err != nil {
		return result{}, fmt.Errorf("warm-up: %w", err)
	}
	runtime.GC()
	start := time.Now()
	latencies, failed, err := send(client, url, all[cfg.warmup:], cfg.concurrency, cfg.rate)
	elapsed := time.Since(start)
	if err != nil {
		return result{}, err
	}
	slices.Sort(latencies)
	n, err := stored(ctx)
	if err != nil {
		return result{}, fmt.Errorf("counting the stored jobs: %w", err)
	}
	r := result{
		name: b.name, perSecond: float64(len(latencies)) / elapsed.Seconds(),
		p50: quantile(latencies, 0.50), p99: quantile(latencies, 0.99), max: latencies[len(latencies)-1],
		failed: failed, stored: n,
	}
	if want := len(all) - failed; n < want {
		r.note = fmt.Sprintf("LOST: %d answered 200, %d stored", want, n)
	}
	return r, nil
}

// send posts the deliveries with n concurrent senders and returns each one's latency
// and how many were not answered 200. With rate > 0, delivery i is due at i/rate seconds
// after the start and its latency counts from then (an open loop: the time a delivery
// waited for a free sender is part of its latency); otherwise each sender sends its next
// delivery as soon as it has the answer to the last.
func send(client *http.Client, url string, deliveries []webhooktest.Delivery, n int, rate float64) ([]time.Duration, int, error) {
	latencies := make([]time.Duration, len(deliveries))
	begin := time.Now()
	var (
		next, failed atomic.Int64
		wg           sync.WaitGroup
		firstErr     error
		errOnce      sync.Once
	)
	for range n {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(deliveries) {
					return
				}
				d := deliveries[i]
				req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.Body))
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				req.Header = d.Header()
				t0 := time.Now()
				if rate > 0 {
					t0 = begin.Add(time.Duration(float64(i) / rate * float64(time.Second)))
					time.Sleep(time.Until(t0))
				}
				resp, err := client.Do(req)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				latencies[i] = time.Since(t0)
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, 0, firstErr
	}
	return latencies, int(failed.Load()), nil
}
