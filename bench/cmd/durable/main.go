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
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/webhookkit/openai-webhooks/asynqjobs"
	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
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
	group := flag.Bool("group", false, "experiment: River backends insert concurrent deliveries together (group commit, batch.go)")
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
	if err := run(config{*requests, *warmup, *concurrency, *sqliteDir, *pgURL, *redisURL, strings.Split(*only, ","), *work, *group, max(*rounds, 1)}); err != nil {
		fmt.Fprintln(os.Stderr, "durable:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

type config struct {
	requests, warmup, concurrency int
	sqliteDir, pgURL, redisURL    string
	backends                      []string
	work, group                   bool
	rounds                        int
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

// median returns each metric's median over rs, and the notes of every round.
func median(rs []result) result {
	if len(rs) == 1 || rs[0].perSecond == 0 {
		return rs[0]
	}
	pick := func(f func(result) float64) float64 {
		vs := make([]float64, len(rs))
		for i, r := range rs {
			vs[i] = f(r)
		}
		slices.Sort(vs)
		return vs[len(vs)/2]
	}
	out := result{name: rs[0].name}
	out.perSecond = pick(func(r result) float64 { return r.perSecond })
	out.p50 = time.Duration(pick(func(r result) float64 { return float64(r.p50) }))
	out.p99 = time.Duration(pick(func(r result) float64 { return float64(r.p99) }))
	out.max = time.Duration(pick(func(r result) float64 { return float64(r.max) }))
	var notes []string
	for _, r := range rs {
		out.failed += r.failed
		out.stored = r.stored
		if r.note != "" {
			notes = append(notes, r.note)
		}
	}
	out.note = strings.Join(notes, "; ")
	return out
}

func pick(name string, cfg config) (backend, string) {
	switch name {
	case "sqlite":
		return backend{"SQLite (sqlitejobs, River)", func(ctx context.Context, v *core.Verifier) (core.Handler, func(context.Context) (int, error), func(), error) {
			return openSQLite(ctx, v, cfg)
		}}, ""
	case "postgres":
		if cfg.pgURL == "" {
			return backend{}, "skipped: no -postgres URL (or DATABASE_URL)"
		}
		return backend{"PostgreSQL (riverjobs, River)", func(ctx context.Context, v *core.Verifier) (core.Handler, func(context.Context) (int, error), func(), error) {
			return openPostgres(ctx, v, cfg)
		}}, ""
	case "redis":
		if cfg.redisURL == "" {
			return backend{}, "skipped: no -redis URL (or REDIS_URL)"
		}
		return backend{"Redis (asynqjobs, asynq)", func(ctx context.Context, v *core.Verifier) (core.Handler, func(context.Context) (int, error), func(), error) {
			return openRedis(ctx, v, cfg)
		}}, ""
	default:
		return backend{}, "unknown backend"
	}
}

var quiet = slog.New(slog.DiscardHandler)

var noop = core.HandlerFunc(func(context.Context, *core.Event) error { return nil })

func riverQuiet(cfg *river.Config) { cfg.Logger = quiet }

func openSQLite(ctx context.Context, v *core.Verifier, cfg config) (core.Handler, func(context.Context) (int, error), func(), error) {
	dir := cfg.sqliteDir
	cleanup := func() {}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "durable-bench")
		if err != nil {
			return nil, nil, nil, err
		}
		dir, cleanup = tmp, func() { _ = os.RemoveAll(tmp) }
	}
	path := filepath.Join(dir, fmt.Sprintf("bench-%d.db", time.Now().UnixNano()))
	opts := []riverjobs.Option{riverjobs.WithRiverConfig(riverQuiet), riverjobs.WithLogger(quiet)}
	var (
		q   *riverjobs.Queue[*sql.Tx]
		err error
	)
	if err := checkSynchronousFull(ctx, path); err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	if cfg.work {
		q, err = sqlitejobs.Open(ctx, path, v, noop, opts...)
	} else {
		var db *sql.DB
		if db, err = sqlitejobs.OpenDB(ctx, path); err == nil {
			q, err = riverjobs.Open(ctx, riversqlite.New(db), append(opts, riverjobs.WithCloser(db))...)
		}
	}
	if err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	stored := func(ctx context.Context) (int, error) {
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			return 0, err
		}
		defer db.Close()
		var n int
		return n, db.QueryRowContext(ctx, `SELECT count(*) FROM river_job`).Scan(&n)
	}
	return riverHandler(q, cfg), stored, func() { _ = q.Stop(context.Background()); cleanup() }, nil
}

// checkSynchronousFull proves the claim the numbers rest on: a connection opened with
// sqlitejobs' settings commits with synchronous=FULL (2) in WAL mode.
func checkSynchronousFull(ctx context.Context, path string) error {
	db, err := sqlitejobs.OpenDB(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	var sync int
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if sync != 2 || mode != "wal" {
		return fmt.Errorf("sqlitejobs.OpenDB gave synchronous=%d, journal_mode=%s; want 2 (FULL) and wal", sync, mode)
	}
	return nil
}

func openPostgres(ctx context.Context, v *core.Verifier, cfg config) (core.Handler, func(context.Context) (int, error), func(), error) {
	pcfg, err := pgxpool.ParseConfig(cfg.pgURL)
	if err != nil {
		return nil, nil, nil, err
	}
	pcfg.MaxConns = int32(max(cfg.concurrency, 4)) // one per sender, as a receiver would size it
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, nil, nil, err
	}
	var before int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&before); err != nil {
		before = 0 // no table yet: the migrations make it
	}
	opts := []riverjobs.Option{riverjobs.WithRiverConfig(riverQuiet), riverjobs.WithLogger(quiet)}
	var q *riverjobs.Queue[pgx.Tx]
	if cfg.work {
		q, err = riverjobs.Start(ctx, riverpgxv5.New(pool), v, noop, opts...)
	} else {
		q, err = riverjobs.Open(ctx, riverpgxv5.New(pool), opts...)
	}
	if err != nil {
		pool.Close()
		return nil, nil, nil, err
	}
	stored := func(ctx context.Context) (int, error) {
		var n int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&n)
		return n - before, err
	}
	return riverHandler(q, cfg), stored, func() { _ = q.Stop(context.Background()); pool.Close() }, nil
}

// riverHandler is the queue itself, or with -group the group-commit experiment on its
// client.
func riverHandler[TTx any](q *riverjobs.Queue[TTx], cfg config) core.Handler {
	if cfg.group {
		return newGroupCommit(q.Client(), 2*cfg.concurrency)
	}
	return q
}

const redisQueue = "bench_durable"

func openRedis(ctx context.Context, v *core.Verifier, cfg config) (core.Handler, func(context.Context) (int, error), func(), error) {
	opt, err := asynq.ParseRedisURI(cfg.redisURL)
	if err != nil {
		return nil, nil, nil, err
	}
	if ro, ok := opt.(asynq.RedisClientOpt); ok {
		ro.PoolSize = max(cfg.concurrency, 10)
		opt = ro
	}
	client := asynq.NewClient(opt)
	inspector := asynq.NewInspector(opt)
	_ = inspector.DeleteQueue(redisQueue, true) // a previous run's tasks
	var srv *asynq.Server
	if cfg.work {
		srv = asynq.NewServer(opt, asynq.Config{Queues: map[string]int{redisQueue: 1}, Logger: nopLogger{}, LogLevel: asynq.FatalLevel})
		mux := asynq.NewServeMux()
		mux.Handle(asynqjobs.TypePrefix, asynqjobs.NewTaskHandler(v, noop))
		if err := srv.Start(mux); err != nil {
			return nil, nil, nil, err
		}
	}
	stored := func(context.Context) (int, error) {
		info, err := inspector.GetQueueInfo(redisQueue)
		if err != nil {
			return 0, err
		}
		return info.Size + info.Completed, nil
	}
	closeFn := func() {
		if srv != nil {
			srv.Shutdown()
		}
		_ = inspector.DeleteQueue(redisQueue, true)
		_ = inspector.Close()
		_ = client.Close()
	}
	return asynqjobs.NewEnqueuer(client, asynqjobs.WithQueue(redisQueue)), stored, closeFn, nil
}

type nopLogger struct{}

func (nopLogger) Debug(...any) {}
func (nopLogger) Info(...any)  {}
func (nopLogger) Warn(...any)  {}
func (nopLogger) Error(...any) {}
func (nopLogger) Fatal(...any) {}

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
	if _, _, err := send(client, url, all[:cfg.warmup], cfg.concurrency); err != nil {
		return result{}, fmt.Errorf("warm-up: %w", err)
	}
	runtime.GC()
	start := time.Now()
	latencies, failed, err := send(client, url, all[cfg.warmup:], cfg.concurrency)
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
// and how many were not answered 200.
func send(client *http.Client, url string, deliveries []webhooktest.Delivery, n int) ([]time.Duration, int, error) {
	latencies := make([]time.Duration, len(deliveries))
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

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*q))]
}

func printTable(w io.Writer, cfg config, what string, results []result) {
	mode := "enqueue only (no workers)"
	if cfg.work {
		mode = "with workers (no-op handler) in the same process"
	}
	if cfg.group {
		mode += ", River inserts grouped (experiment)"
	}
	fmt.Fprintf(w, "%s: %d deliveries per backend after %d warm-up, %d concurrent senders, %s; %s, %d CPUs\n\n",
		what, cfg.requests, cfg.warmup, cfg.concurrency, mode, runtime.Version(), runtime.NumCPU())
	fmt.Fprintln(w, "| backend | deliveries/s | p50 | p99 | max | non-200 | jobs stored | note |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range results {
		if r.perSecond == 0 {
			fmt.Fprintf(w, "| %s | | | | | | | %s |\n", r.name, r.note)
			continue
		}
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %s | %d | %d | %s |\n", r.name, r.perSecond,
			ms(r.p50), ms(r.p99), ms(r.max), r.failed, r.stored, r.note)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
