package riverjobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/webhookkit/openai-webhooks/core"
)

// Queue is a River client with the webhook worker, started: the one value a program
// needs. It is the core.Handler of any adapter's Handler (an Enqueuer: it stores each
// verified delivery as a job and the adapter answers 200), and it lists and replays the
// dead letters. Make it with Start or StartTx (PostgreSQL, or any River driver), with
// sqlitejobs.Open (a local SQLite file), or with Open (no workers: a receiver whose jobs
// other processes work, or a command-line tool). Stop it with Stop.
type Queue[TTx any] struct {
	*Enqueuer[TTx]

	client   *river.Client[TTx]
	started  bool
	closers  []func() error
	stopOnce sync.Once
	stopErr  error
}

// Start runs River's migrations on driver's database, starts a River client with the
// webhook worker of h (NewWorker) and returns the queue. It sets what is easy to forget:
// completed jobs are kept as long as uniqueness by webhook-id must hold (72 h, or the
// uniqueness period if longer), the attempts (25) and the queue (river.QueueDefault);
// opts change them (WithMaxAttempts, WithQueue, WithMaxWorkers, WithRiverConfig, …). A
// job left running by a process that died (killed, or its machine lost) is worked again
// a minute after its JobTimeout (1 min by default), not River's hour: after a crash and
// a restart, the deliveries that were in progress run within about two and a half
// minutes (the rescuer looks every 30 s).
//
//	q, err := riverjobs.Start(ctx, riverpgxv5.New(pool), verifier, mux)
//	…
//	http.Handle("POST /webhooks/openai", nethttp.Handler(verifier, q))
//	…
//	defer q.Stop(context.Background())
//
// A handler that writes to the same database can do so in the job's transaction: use
// StartTx. ctx bounds the start only: the queue runs until Stop.
func Start[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], v *core.Verifier, h core.Handler, opts ...Option) (*Queue[TTx], error) {
	if v == nil {
		return nil, errors.New("riverjobs.Start: nil *core.Verifier: pass the verifier of the receiving endpoint (core.NewVerifierFromEnv)")
	}
	if h == nil {
		return nil, errors.New("riverjobs.Start: nil core.Handler")
	}
	return start(ctx, driver, opts, func(w []WorkerOption) river.Worker[EventArgs] { return NewWorker(v, h, w...) })
}

// StartTx is Start with a transactional handler: each job's handler runs in a
// transaction on db that also marks the job completed (NewTxWorker), so its writes
// happen exactly once. db is the application's handle on the database driver was made
// with: pgxtx.New(pool) for riverpgxv5.New(pool), riverjobs.SQL(db) for
// riversqlite.New(db). h is typically a TxMux.
func StartTx[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], db TxBeginner[TTx], v *core.Verifier, h TxHandler[TTx], opts ...Option) (*Queue[TTx], error) {
	if v == nil {
		return nil, errors.New("riverjobs.StartTx: nil *core.Verifier: pass the verifier of the receiving endpoint (core.NewVerifierFromEnv)")
	}
	if db == nil {
		return nil, errors.New("riverjobs.StartTx: nil TxBeginner: pass pgxtx.New(pool) or riverjobs.SQL(db), on the database of the driver")
	}
	if h == nil {
		return nil, errors.New("riverjobs.StartTx: nil TxHandler")
	}
	return start(ctx, driver, opts, func(w []WorkerOption) river.Worker[EventArgs] { return NewTxWorker(v, db, h, w...) })
}

// Open runs River's migrations on driver's database (unless WithoutMigrations) and
// returns a queue that works no jobs: it stores deliveries (for a receiver whose jobs
// other processes work), lists dead letters and replays them (for a command-line tool).
// WorkerOptions and WithMaxWorkers do nothing here.
func Open[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], opts ...Option) (*Queue[TTx], error) {
	return start(ctx, driver, opts, nil)
}

// start makes the queue; with worker nil, the client is insert-only and not started.
func start[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], opts []Option, worker func([]WorkerOption) river.Worker[EventArgs]) (q *Queue[TTx], err error) {
	qc, err := newQueueConfig(opts)
	closeAll := func() error {
		var errs []error
		for _, c := range slices.Backward(qc.closers) {
			errs = append(errs, c.Close())
		}
		return errors.Join(errs...)
	}
	defer func() {
		if err != nil {
			_ = closeAll()
		}
	}()
	if err != nil {
		return nil, err
	}
	if driver == nil {
		return nil, errors.New("riverjobs: nil River driver: pass riverpgxv5.New(pool) or riversqlite.New(db)")
	}
	ec, err := enqueuerConfigOf(qc.enqueuer)
	if err != nil {
		return nil, err
	}
	wc := newWorkerConfig(qc.worker)
	if !qc.noMigrate {
		if err := migrate(ctx, driver, wc.logger); err != nil {
			return nil, err
		}
	}
	cfg := &river.Config{
		Logger:                      wc.logger,
		CompletedJobRetentionPeriod: max(DefaultUniquePeriod, ec.uniquePeriod),
		MaxAttempts:                 ec.maxAttempts,
	}
	if worker != nil {
		cfg.Workers = river.NewWorkers()
		if err := river.AddWorkerSafely(cfg.Workers, worker(qc.worker)); err != nil {
			return nil, fmt.Errorf("riverjobs: register the webhook worker: %w", err)
		}
		cfg.Queues = map[string]river.QueueConfig{ec.queue: {MaxWorkers: qc.maxWorkers}}
	}
	for _, f := range qc.tune {
		f(cfg)
	}
	if cfg.RescueStuckJobsAfter == 0 {
		cfg.RescueStuckJobsAfter = rescueAfter(cfg.JobTimeout)
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("riverjobs: River client: %w", err)
	}
	q = &Queue[TTx]{Enqueuer: newEnqueuer(client, ec), client: client}
	if worker != nil {
		// River stops hard when Start's context ends; the queue runs until Stop.
		if err := client.Start(context.WithoutCancel(ctx)); err != nil {
			return nil, fmt.Errorf("riverjobs: start River: %w", err)
		}
		q.started = true
	}
	q.closers = []func() error{closeAll}
	return q, nil
}

// rescueAfter is when a job still running is taken to be left by a process that died:
// a minute after its timeout ends its context. River's default waits an hour, which
// after a crash and a restart leaves the deliveries in progress at the crash (answered
// 200) waiting that long. With no timeout (negative), River's default stays.
func rescueAfter(jobTimeout time.Duration) time.Duration {
	switch {
	case jobTimeout < 0:
		return 0
	case jobTimeout == 0:
		jobTimeout = river.JobTimeoutDefault
	}
	return jobTimeout + time.Minute
}

// Migrate runs River's migrations up on driver's database; it does nothing when they are
// applied already. Start, StartTx and Open call it unless given WithoutMigrations.
func Migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	return migrate(ctx, driver, nil)
}

// migrate is Migrate logging to logger (nil: slog.Default()).
//
// River's migrator takes no lock: replicas that start together on a new database each
// apply the same migrations, and all but one fail on a table or a version row another
// has just created. Every such failure means another process made progress, so the
// migrations are tried again, with a short backoff, until they find nothing left to do.
func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], logger *slog.Logger) error {
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("riverjobs: River's migrations: %w", err)
	}
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		_, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err == nil {
			return nil
		}
		if attempt == migrateAttempts {
			return fmt.Errorf("riverjobs: run River's migrations: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("riverjobs: run River's migrations: %w (then %w)", err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// migrateAttempts bounds the tries of migrate: enough for a few replicas racing, not so
// many that a real error (no permission, no database) takes long to be reported.
const migrateAttempts = 8

// Client returns the queue's River client: for River UI (riverui), subscriptions, or
// River's own API.
func (q *Queue[TTx]) Client() *river.Client[TTx] { return q.client }

// stopCancelWait bounds how long Stop waits for cancelled jobs to return.
const stopCancelWait = 10 * time.Second

// Stop stops working jobs: it lets jobs in progress finish until ctx is done, then
// cancels them (their transactions roll back and the jobs run again after a restart),
// and closes what WithCloser gave. A delivery that arrives meanwhile is still stored
// while the database handle is open (its job runs at the next start), and refused (500,
// OpenAI retries) once Stop has closed it, as sqlitejobs' file is: stop the HTTP server
// first. Calls after the first return its result.
func (q *Queue[TTx]) Stop(ctx context.Context) error {
	q.stopOnce.Do(func() {
		var errs []error
		if q.started {
			if err := q.client.Stop(ctx); err != nil {
				// Running jobs did not finish in time: cancel them, and wait for that.
				cancelCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopCancelWait)
				errs = append(errs, q.client.StopAndCancel(cancelCtx))
				cancel()
			}
		}
		for _, c := range q.closers {
			errs = append(errs, c())
		}
		q.stopErr = errors.Join(errs...)
	})
	return q.stopErr
}
