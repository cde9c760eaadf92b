package asynqjobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/recheck"
	"github.com/webhookkit/openai-webhooks/internal/textcut"
)

// NewTaskHandler returns the asynq.Handler of a worker: register it under TypePrefix in
// an asynq.ServeMux, or give it to asynq.Server.Run when the server runs nothing else.
//
// For each task it rebuilds the *core.Event (Raw, WebhookID, Timestamp, Headers and the
// parsed fields), verifies its signature again with v.VerifyIgnoringTimestamp, checks
// that the task id is the webhook-id, and calls h with asynq's context (so
// asynq.GetRetryCount works in h). A task that fails any of these never reaches h: it is
// logged at Error with its task id and the reason (a core.Reason, such as
// no_matching_signature) and answered with an error wrapping ErrInvalidTask. A task
// whose signature does not verify is retried with asynq's backoff, like a handler's
// failure: during a secret rotation, or with a worker given the wrong secret, fixing the
// worker's configuration recovers every task; when the retries run out it is archived,
// and can be replayed. A task that can never pass (its payload does not decode, its
// headers or event are malformed, or its task id is not its webhook-id: a copy) also
// wraps asynq.SkipRetry and is archived at once. h's error is returned as it is: asynq
// retries the task with its backoff and archives it when the retries run out.
//
// v must accept the endpoint's secret (with core.WithSecret for the next one during a
// rotation, since a task may run long after it was signed). It panics if v or h is nil.
func NewTaskHandler(v *core.Verifier, h core.Handler, opts ...HandlerOption) asynq.Handler {
	if v == nil {
		panic("asynqjobs.NewTaskHandler: the *core.Verifier is nil; create one with core.NewVerifierFromEnv")
	}
	if h == nil {
		panic("asynqjobs.NewTaskHandler: the core.Handler is nil; pass a core.Mux or a core.HandlerFunc")
	}
	cfg := handlerConfig{logger: slog.Default()}
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(&cfg)
		}
	}
	return &taskHandler{verifier: v, handler: h, logger: cfg.logger}
}

type taskHandler struct {
	verifier *core.Verifier
	handler  core.Handler
	logger   *slog.Logger
}

// ProcessTask implements asynq.Handler.
func (th *taskHandler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	e, err := th.event(ctx, t)
	if err != nil {
		return th.refuse(ctx, t, err)
	}
	if err := th.handler.HandleEvent(ctx, e); err != nil {
		return err
	}
	if e.Marked() == core.OutcomeUnhandled {
		id, _ := asynq.GetTaskID(ctx)
		th.logger.LogAttrs(ctx, slog.LevelInfo, "openai-webhooks: no handler for the event type; task completed",
			slog.String("task_id", id), slog.String("event_type", string(e.Type)))
	}
	return nil
}

// errPermanent marks a refusal no configuration can fix: the task is archived at once.
var errPermanent = errors.New("permanent")

// event decodes and verifies the task's delivery.
func (th *taskHandler) event(ctx context.Context, t *asynq.Task) (*core.Event, error) {
	body, headers, err := decodePayload(t.Payload())
	if err != nil {
		return nil, permanent(err)
	}
	// One task per webhook-id: a genuine payload copied under another id would run the
	// handler again. Checked before the signature: a task under another id can never
	// pass, whatever secret the worker is given, so it is not worth a retry.
	if id, ok := asynq.GetTaskID(ctx); ok && id != headers.Trim().ID {
		return nil, permanent(fmt.Errorf("the task id is not the delivery's webhook-id %q: a copy of a delivery, not one the Enqueuer queued", textcut.Truncate(headers.ID, 64)))
	}
	e, err := th.verifier.UnwrapIgnoringTimestamp(body, headers)
	if err != nil && core.ReasonOf(err) != core.ReasonNoMatchingSignature {
		// Malformed headers or event: no secret given to the worker makes it pass.
		return nil, permanent(err)
	}
	return e, err
}

func permanent(err error) error { return &permanentError{err} }

// permanentError is a refusal that errors.Is reports as errPermanent, without showing
// it in the message asynq records.
type permanentError struct{ error }

func (p *permanentError) Unwrap() error        { return p.error }
func (p *permanentError) Is(target error) bool { return target == errPermanent }

// refuse logs why the task never reaches the handler and returns the error for asynq: a
// permanent refusal skips the retries; any other (the signature did not verify, which a
// secret given to the worker can fix) is retried with backoff.
func (th *taskHandler) refuse(ctx context.Context, t *asynq.Task, err error) error {
	id, _ := asynq.GetTaskID(ctx)
	queue, _ := asynq.GetQueueName(ctx)
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	attrs := []slog.Attr{slog.String("task_id", id), slog.String("task_type", t.Type()), slog.String("queue", queue),
		slog.String("reason", string(core.ReasonOf(err))), slog.String("error", err.Error())}
	if errors.Is(err, errPermanent) {
		th.logger.LogAttrs(ctx, slog.LevelError, "openai-webhooks: task refused, not a genuine delivery; archived without retry", attrs...)
		return fmt.Errorf("%w: task %q: %w (%w)", ErrInvalidTask, id, err, asynq.SkipRetry)
	}
	msg := "openai-webhooks: task refused, its signature does not verify with the worker's secrets; it will be retried, so give the worker the endpoint's secret (both secrets during a rotation)"
	if retried >= maxRetry {
		msg = "openai-webhooks: task refused, its signature does not verify with the worker's secrets; out of retries, it is archived: give the worker the endpoint's secret and replay it"
	}
	attrs = append(attrs, slog.Int("retried", retried), slog.Int("max_retry", maxRetry))
	if body, headers, derr := decodePayload(t.Payload()); derr == nil {
		if kind, ok := recheck.Kind(th.verifier, body, headers, retried+1, maxRetry+1); ok {
			attrs = append(attrs, slog.String("kind", string(kind)))
		}
	}
	th.logger.LogAttrs(ctx, slog.LevelError, msg, attrs...)
	return fmt.Errorf("%w: task %q: %w", ErrInvalidTask, id, err)
}
