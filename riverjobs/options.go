package riverjobs

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// DefaultMaxAttempts is the number of attempts a job gets before River discards it.
const DefaultMaxAttempts = 25

// DefaultUniquePeriod is the period within which a webhook-id is queued once: OpenAI
// retries a delivery for up to 72 hours.
const DefaultUniquePeriod = 72 * time.Hour

// EnqueuerOption is a setting of NewEnqueuer: WithQueue, WithMaxAttempts or
// WithUniquePeriod. The workers take WorkerOption instead, so that the compiler refuses
// an option where it would do nothing. The zero EnqueuerOption changes nothing.
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
	c := enqueuerConfig{queue: river.QueueDefault, maxAttempts: DefaultMaxAttempts, uniquePeriod: DefaultUniquePeriod}
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(&c)
		}
	}
	if c.queue == "" {
		panic("riverjobs: WithQueue(\"\"): give a queue name, such as river.QueueDefault")
	}
	if c.maxAttempts < 1 {
		panic(fmt.Sprintf("riverjobs: WithMaxAttempts(%d): a job needs at least one attempt", c.maxAttempts))
	}
	if c.uniquePeriod < 0 || (c.uniquePeriod > 0 && c.uniquePeriod < time.Second) {
		panic(fmt.Sprintf("riverjobs: WithUniquePeriod(%s): use 0 (no period) or at least 1s", c.uniquePeriod))
	}
	return c
}

// WorkerOption is a setting of NewWorker and NewTxWorker: WithLogger. The queue,
// attempts and uniqueness of a job are decided when it is inserted (EnqueuerOption),
// and its retries by the River client's configuration. The zero WorkerOption changes
// nothing.
type WorkerOption struct {
	apply func(*workerConfig)
}

type workerConfig struct {
	logger *slog.Logger
}

// WithLogger sets the logger a worker reports cancelled jobs (at Error) and jobs no
// handler took (at Info) to (default slog.Default(), also when l is nil). Logs never contain the secret, signatures or bodies.
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
