// Package asynqjobs queues verified OpenAI webhook deliveries on Redis with asynq
// (github.com/hibiken/asynq) and processes them in workers, so that a receiver answers
// OpenAI in milliseconds whatever the handler does, and nothing acknowledged is lost.
//
// The receiver gives an Enqueuer to any adapter's Handler. For each verified delivery it
// stores one task, of type TypePrefix + event type, whose id is the webhook-id: a
// redelivery while that task is pending, active, retrying, archived or completed (within
// the retention, 72 hours by default) is acknowledged 200 {"received":true,
// "duplicate":true}, reported as core.OutcomeDuplicate, and not queued again. If Redis
// refuses the task, HandleEvent returns an error wrapping ErrNotQueued, the adapter
// answers non-2xx, and OpenAI retries the delivery: nothing is acknowledged that is not
// stored.
//
// A worker (an asynq.Server) runs NewTaskHandler, which rebuilds the *core.Event, checks
// its signature again with core.Verifier.VerifyIgnoringTimestamp (not its age: a task may
// run days later), and calls the application's core.Handler, normally a core.Mux. A task
// that does not verify never reaches the handler: whoever can write to Redis still cannot
// forge an event. It is logged at Error with its cause and retried with asynq's backoff,
// as a handler's failure is, not dropped: during a secret rotation, or with a worker
// given the wrong secret, fixing the worker's configuration recovers every task. A task
// that can never pass (its payload does not decode, its headers or event are malformed,
// or it is a copy under another task id) is archived at once (asynq.SkipRetry). An error from the handler is returned to
// asynq, which retries the task with its backoff and archives it when the retries run
// out; archived tasks are replayed with asynq.Inspector.RunTask, the asynq CLI (asynq
// task run) or asynqmon.
//
// Processing is at least once: if a worker dies after the handler returned but before
// asynq recorded it, the task runs again on another worker once its lease runs out. Make
// effects outside Redis idempotent on Event.WebhookID (or Event.ID).
//
// # Task payload
//
// The payload is the three headers as received, then a blank line, then the raw body,
// byte for byte:
//
//	openai-webhook/1
//	webhook-id: wh_…
//	webhook-timestamp: 1750861210
//	webhook-signature: v1,…
//
//	{"id":"evt_…","object":"event",…}
//
// Lines end with a single LF. The first line names the format and its version. The body
// is not re-encoded (no base64, no JSON re-formatting), so the payload is the body plus
// about 160 bytes, and asynqmon and the asynq CLI show it as readable text.
package asynqjobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/webhookkit/openai-webhooks/core"
)

// TypePrefix starts the type of every task: the task type is TypePrefix + event type, such
// as "openai:batch.completed". Register NewTaskHandler under TypePrefix in an
// asynq.ServeMux to receive them all.
const TypePrefix = "openai:"

// Defaults of the options.
const (
	DefaultQueue     = "default"      // asynq's default queue
	DefaultMaxRetry  = 25             // asynq's default: about three weeks of backoff
	DefaultRetention = 72 * time.Hour // as long as OpenAI retries a delivery
)

// Sentinel errors; test for them with errors.Is.
var (
	// ErrNotQueued: HandleEvent did not store the delivery (Redis refused or could not be
	// reached, or the event cannot be queued). The adapter answers non-2xx and OpenAI
	// retries the delivery later.
	ErrNotQueued = errors.New("asynqjobs: delivery not queued")
	// ErrInvalidTask: a task given to NewTaskHandler's handler is not a genuine delivery:
	// its payload does not decode, its signature does not match, or its task id is not its
	// webhook-id. A signature that does not match is retried (the worker may lack the
	// secret); for anything else the error also wraps asynq.SkipRetry, so the task is
	// archived at once.
	ErrInvalidTask = errors.New("asynqjobs: task is not a genuine delivery")
)

// Enqueuer is a core.Handler that stores each verified delivery as an asynq task instead
// of handling it. Give it to an adapter's Handler; it is safe for concurrent use.
type Enqueuer struct {
	client *asynq.Client
	opts   []asynq.Option // every option but the task id, which is per delivery
}

// NewEnqueuer returns an Enqueuer that enqueues with c. It panics if c is nil or an
// option is invalid (an empty queue name, a negative retry count or retention, or an
// option of WithTaskOptions that has a dedicated option here).
func NewEnqueuer(c *asynq.Client, opts ...Option) *Enqueuer {
	if c == nil {
		panic("asynqjobs.NewEnqueuer: the *asynq.Client is nil; create one with asynq.NewClient(asynq.RedisClientOpt{Addr: …})")
	}
	cfg := newConfig(opts)
	if err := cfg.validate(); err != nil {
		panic("asynqjobs.NewEnqueuer: " + err.Error())
	}
	all := append([]asynq.Option(nil), cfg.extra...)
	all = append(all, asynq.Queue(cfg.queue), asynq.MaxRetry(cfg.maxRetry), asynq.Retention(cfg.retention))
	return &Enqueuer{client: c, opts: all}
}

// HandleEvent enqueues e as a task of type TypePrefix + e.Type whose id is the webhook-id,
// carrying e.Raw and e.Headers. It returns nil once the task is stored, or when a task
// with that id is already stored (a redelivery), which it marks with
// core.Event.MarkDuplicate: the adapter answers 200 {"received":true,"duplicate":true},
// logs it and reports core.OutcomeDuplicate, as for a duplicate its idempotency store
// finds. Otherwise it returns an error wrapping
// ErrNotQueued and the cause, so that the adapter answers non-2xx and OpenAI retries.
func (q *Enqueuer) HandleEvent(ctx context.Context, e *core.Event) error {
	if e == nil {
		return fmt.Errorf("%w: the event is nil", ErrNotQueued)
	}
	payload, err := encodePayload(e)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotQueued, err)
	}
	taskType := TypePrefix + string(e.Type)
	opts := append(q.opts[:len(q.opts):len(q.opts)], asynq.TaskID(e.Headers.ID))
	_, err = q.client.EnqueueContext(ctx, asynq.NewTask(taskType, payload), opts...)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, asynq.ErrTaskIDConflict), errors.Is(err, asynq.ErrDuplicateTask):
		e.MarkDuplicate() // stored before: a redelivery, acknowledged and not queued again
		return nil
	default:
		return fmt.Errorf("%w: task %s for webhook-id %s: %w; check that Redis is reachable, OpenAI will retry the delivery", ErrNotQueued, taskType, e.Headers.ID, err)
	}
}
