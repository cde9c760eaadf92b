package asynqjobs

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"
)

// Option is a setting of NewEnqueuer: WithQueue, WithMaxRetry, WithRetention or
// WithTaskOptions. The zero Option changes nothing.
type Option struct {
	apply func(*config)
}

type config struct {
	queue     string
	maxRetry  int
	retention time.Duration
	extra     []asynq.Option
}

func newConfig(opts []Option) config {
	cfg := config{queue: DefaultQueue, maxRetry: DefaultMaxRetry, retention: DefaultRetention}
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(&cfg)
		}
	}
	return cfg
}

func (c config) validate() error {
	if strings.TrimSpace(c.queue) == "" {
		return errors.New("WithQueue: the queue name is empty; use a name such as \"webhooks\" and give it to the worker's asynq.Config.Queues")
	}
	if c.maxRetry < 0 {
		return fmt.Errorf("WithMaxRetry(%d): the number of retries must be 0 or more", c.maxRetry)
	}
	if c.retention < 0 {
		return fmt.Errorf("WithRetention(%v): the retention must be 0 or more; the default, %v, covers OpenAI's retries", c.retention, DefaultRetention)
	}
	for i, o := range c.extra {
		if o == nil {
			return fmt.Errorf("WithTaskOptions: option %d is nil", i+1)
		}
		switch o.Type() {
		case asynq.TaskIDOpt:
			return errors.New("WithTaskOptions: asynq.TaskID is set by the Enqueuer (the task id is the webhook-id); remove it")
		case asynq.QueueOpt:
			return errors.New("WithTaskOptions: use WithQueue instead of asynq.Queue")
		case asynq.MaxRetryOpt:
			return errors.New("WithTaskOptions: use WithMaxRetry instead of asynq.MaxRetry")
		case asynq.RetentionOpt:
			return errors.New("WithTaskOptions: use WithRetention instead of asynq.Retention")
		case asynq.GroupOpt:
			return errors.New("WithTaskOptions: asynq.Group hands the tasks to a GroupAggregator, which replaces them with a task NewTaskHandler cannot verify (and without one they are never processed); remove it")
		}
	}
	return nil
}

// WithQueue sets the asynq queue the tasks go to (default DefaultQueue, "default"). The
// workers' asynq.Config.Queues must name it. The task id is unique within a queue, so
// every receiver of one endpoint must use the same queue.
func WithQueue(name string) Option { return Option{func(c *config) { c.queue = name }} }

// WithMaxRetry sets how many times a task whose handler fails is retried before it is
// archived as a dead letter (default DefaultMaxRetry, 25; 0 archives it at the first
// failure). The delay between retries is the worker's asynq.Config.RetryDelayFunc.
func WithMaxRetry(n int) Option { return Option{func(c *config) { c.maxRetry = n }} }

// WithRetention sets how long a completed task is kept (default DefaultRetention, 72
// hours, as long as OpenAI retries a delivery). While it is kept, a redelivery of the same
// webhook-id is acknowledged and not queued again; after it, a redelivery is processed
// again. Zero deletes tasks as they complete, so only redeliveries that arrive while the
// task is queued, running, retrying or archived are recognised.
func WithRetention(d time.Duration) Option { return Option{func(c *config) { c.retention = d }} }

// WithTaskOptions adds asynq options to every task, such as asynq.Timeout (asynq's
// default is 30 minutes) or asynq.Deadline. The task id, queue, retry count and
// retention have options of their own here: NewEnqueuer panics if opts contains
// asynq.TaskID, asynq.Queue, asynq.MaxRetry or asynq.Retention, and also asynq.Group,
// whose aggregated tasks are no longer the deliveries NewTaskHandler verifies.
func WithTaskOptions(opts ...asynq.Option) Option {
	return Option{func(c *config) { c.extra = append(c.extra, opts...) }}
}

// HandlerOption is a setting of NewTaskHandler: WithLogger. The zero HandlerOption
// changes nothing.
type HandlerOption struct {
	apply func(*handlerConfig)
}

type handlerConfig struct {
	logger *slog.Logger
}

// WithLogger sets where NewTaskHandler logs refused tasks (at Error) and tasks no
// handler took (at Info) (slog.Default() by default or when l is nil).
func WithLogger(l *slog.Logger) HandlerOption {
	return HandlerOption{func(c *handlerConfig) {
		if l != nil {
			c.logger = l
		}
	}}
}
