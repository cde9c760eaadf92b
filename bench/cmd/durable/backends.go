package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/webhookkit/openai-webhooks/asynqjobs"
	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

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
	return q, stored, func() { _ = q.Stop(context.Background()); cleanup() }, nil
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
	return q, stored, func() { _ = q.Stop(context.Background()); pool.Close() }, nil
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
