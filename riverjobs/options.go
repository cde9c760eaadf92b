package riverjobs

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// DefaultMaxAttempts is the number of attempts a job gets before River discards it.
const DefaultMaxAttempts = 25

// DefaultUniquePeriod is the period within which a webhook-id is queued once: OpenAI
// retries a delivery for up to 72 hours.
const DefaultUniquePeriod = 72 * time.Hour

// EnqueuerOption is a setting of NewEnqueuer (and of Start, Open and sqlitejobs.Open):
// WithQueue, WithMaxAttempts or WithUniquePeriod. The workers take WorkerOption instead,
// so that the compiler refuses an option where it would do nothing. The zero
// EnqueuerOption changes nothing.
type EnqueuerOption struct {
	apply func(*enqueuerConfig)
}

type enqueuerConfig struct {
	queue        string
	maxAttempts  int
	uniquePeriod time.Duration
}

// WithQueue sets the River queue jobs are inserted into (default river.QueueDefault).
// The worker's client must work that queue.
func WithQueue(name string) EnqueuerOption {
	return EnqueuerOption{func(c *enqueuerConfig) { c.queue = name }}
}

// WithMaxAttempts sets how many times a job is tried before River discards it
// (default 25, with River's exponential backoff: about three weeks in all). n must be
// at least 1.
func WithMaxAttempts(n int) EnqueuerOption {
	return EnqueuerOption{func(c *enqueuerConfig) { c.maxAttempts = n }}
}

// WithUniquePeriod sets the period of River's uniqueness by webhook-id (default 72h).
// River's periods are fixed windows (the time rounded down to a multiple of d), not
// counted from the first delivery: a redelivery that falls in the next window is queued
// again. Zero means no period: a webhook-id is queued once for as long as its job row
// exists (see River's CompletedJobRetentionPeriod and DiscardedJobRetentionPeriod).
// Otherwise d must be at least one second.
func WithUniquePeriod(d time.Duration) EnqueuerOption {
	return EnqueuerOption{func(c *enqueuerConfig) { c.uniquePeriod = d }}
}

func newEnqueuerConfig(opts []EnqueuerOption) enqueuerConfig {
	c, err := enqueuerConfigOf(opts)
	if err != nil {
		panic(err.Error())
	}
	return c
}

// enqueuerConfigOf applies opts, and refuses values that would make every insert fail.
func enqueuerConfigOf(opts []EnqueuerOption) (enqueuerConfig, error) {
	c := enqueuerConfig{queue: river.QueueDefault, maxAttempts: DefaultMaxAttempts, uniquePeriod: DefaultUniquePeriod}
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(&c)
		}
	}
	if c.queue == "" {
		return c, fmt.Errorf("riverjobs: WithQueue(\"\"): give a queue name, such as river.QueueDefault")
	}
	if c.maxAttempts < 1 {
		return c, fmt.Errorf("riverjobs: WithMaxAttempts(%d): a job needs at least one attempt", c.maxAttempts)
	}
	if c.uniquePeriod < 0 || (c.uniquePeriod > 0 && c.uniquePeriod < time.Second) {
		return c, fmt.Errorf("riverjobs: WithUniquePeriod(%s): use 0 (no period) or at least 1s", c.uniquePeriod)
	}
	return c, nil
}

// WorkerOption is a setting of NewWorker and NewTxWorker (and of Start): WithLogger. The queue,
// attempts and uniqueness of a job are decided when it is inserted (EnqueuerOption),
// and its retries by the River client's configuration. The zero WorkerOption changes
// nothing.
type WorkerOption struct {
	apply func(*workerConfig)
}

type workerConfig struct {
	logger *slog.Logger
}

// WithLogger sets the logger a worker reports jobs that do not verify (at Error) and
// jobs no handler took (at Info) to, and, given to Start, River's own logger (default
// slog.Default(), also when l is nil). Logs never contain the secret, signatures or
// bodies.
func WithLogger(l *slog.Logger) WorkerOption {
	return WorkerOption{func(c *workerConfig) { c.logger = l }}
}

func newWorkerConfig(opts []WorkerOption) workerConfig {
	var c workerConfig
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(&c)
		}
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c
}

// Option is a setting of Start, StartTx, Open and sqlitejobs.Open: an EnqueuerOption, a
// WorkerOption or a QueueOption.
type Option interface {
	applyQueue(*queueConfig)
}

func (o EnqueuerOption) applyQueue(c *queueConfig) { c.enqueuer = append(c.enqueuer, o) }

func (o WorkerOption) applyQueue(c *queueConfig) { c.worker = append(c.worker, o) }

// QueueOption is a setting of the queue Start, StartTx and Open make, beyond its jobs'
// (EnqueuerOption) and its workers' (WorkerOption): WithMaxWorkers, WithRiverConfig,
// WithoutMigrations, WithCloser. The zero QueueOption changes nothing.
type QueueOption struct {
	apply func(*queueConfig)
}

func (o QueueOption) applyQueue(c *queueConfig) {
	if o.apply != nil {
		o.apply(c)
	}
}

// DefaultMaxWorkers is how many jobs a Queue works at once.
const DefaultMaxWorkers = 10

type queueConfig struct {
	enqueuer   []EnqueuerOption
	worker     []WorkerOption
	maxWorkers int
	tune       []func(*river.Config)
	noMigrate  bool
	closers    []io.Closer
}

// WithMaxWorkers sets how many jobs the queue works at once (default 10). n must be at
// least 1.
func WithMaxWorkers(n int) QueueOption {
	return QueueOption{func(c *queueConfig) { c.maxWorkers = n }}
}

// WithRiverConfig lets f change River's configuration after the queue has set its own
// (Logger, Workers, Queues, CompletedJobRetentionPeriod): a RetryPolicy, JobTimeout,
// FetchPollInterval, an ErrorHandler, a Schema. Setting CompletedJobRetentionPeriod below
// the uniqueness period lets a redelivery of a finished job be queued again.
func WithRiverConfig(f func(*river.Config)) QueueOption {
	return QueueOption{func(c *queueConfig) {
		if f != nil {
			c.tune = append(c.tune, f)
		}
	}}
}

// WithoutMigrations makes the queue skip River's migrations, for a database whose schema
// is migrated by a separate step (the river CLI, a deployment job). By default the queue
// runs them at start, which does nothing when they are applied already.
func WithoutMigrations() QueueOption {
	return QueueOption{func(c *queueConfig) { c.noMigrate = true }}
}

// WithCloser makes Queue.Stop close c once River has stopped: the database handle the
// driver was made with, say. Closers are closed in the reverse order of their options.
func WithCloser(c io.Closer) QueueOption {
	return QueueOption{func(qc *queueConfig) {
		if c != nil {
			qc.closers = append(qc.closers, c)
		}
	}}
}

func newQueueConfig(opts []Option) (queueConfig, error) {
	c := queueConfig{maxWorkers: DefaultMaxWorkers}
	for _, opt := range opts {
		if opt != nil {
			opt.applyQueue(&c)
		}
	}
	if c.maxWorkers < 1 {
		return c, fmt.Errorf("riverjobs: WithMaxWorkers(%d): a queue needs at least one worker", c.maxWorkers)
	}
	return c, nil
}
