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

// Option is a setting of an Enqueuer (WithQueue, WithMaxAttempts, WithUniquePeriod) or a
// worker (WithLogger). The zero Option changes nothing.
type Option struct {
	apply func(*config)
}

type config struct {
	queue        string
	maxAttempts  int
	uniquePeriod time.Duration
	logger       *slog.Logger
}

// WithQueue sets the River queue jobs are inserted into (default river.QueueDefault).
// The worker's client must work that queue.
func WithQueue(name string) Option { return Option{func(c *config) { c.queue = name }} }

// WithMaxAttempts sets how many times a job is tried before River discards it
// (default 25, with River's exponential backoff: about three weeks in all). n must be
// at least 1.
func WithMaxAttempts(n int) Option { return Option{func(c *config) { c.maxAttempts = n }} }

// WithUniquePeriod sets the period of River's uniqueness by webhook-id (default 72h).
// River's periods are fixed windows (the time rounded down to a multiple of d), not
// counted from the first delivery: a redelivery that falls in the next window is queued
// again. Zero
// means no period: a webhook-id is queued once for as long as its job row exists (see
// River's CompletedJobRetentionPeriod and DiscardedJobRetentionPeriod). Otherwise d must
// be at least one second.
func WithUniquePeriod(d time.Duration) Option { return Option{func(c *config) { c.uniquePeriod = d }} }

// WithLogger sets the logger a worker reports cancelled jobs to (default slog.Default()).
// Logs never contain the secret, signatures or bodies.
func WithLogger(l *slog.Logger) Option { return Option{func(c *config) { c.logger = l }} }

func newConfig(opts []Option) config {
	c := config{queue: river.QueueDefault, maxAttempts: DefaultMaxAttempts, uniquePeriod: DefaultUniquePeriod}
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(&c)
		}
	}
	if c.logger == nil {
		c.logger = slog.Default()
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
