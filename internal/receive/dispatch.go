package receive

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
)

// Next runs the application's next handler and returns the status it answered.
type Next func(ctx context.Context) int

// Outcome says what Dispatch did.
type Outcome int

const (
	// Ran: next ran and wrote the response.
	Ran Outcome = iota + 1
	// Duplicate: the delivery was handled before; next did not run. Answer with
	// WriteDuplicate's body and 200.
	Duplicate
	// Refused: next did not run; answer the returned error.
	Refused
)

// Dispatch runs next for a verified event, exactly once per webhook-id when an
// idempotency store is configured: a claimed delivery is finished when next answered
// 2xx, and abandoned on any other status or a panic (which is re-raised after), so that
// OpenAI's retry is processed.
func (p *Pipeline) Dispatch(ctx context.Context, e *core.Event, next Next) (Outcome, error) {
	store := p.cfg.Store
	if store == nil {
		next(ctx)
		return Ran, nil
	}
	claimCtx := idempotency.WithClaim(ctx)
	state, err := store.Begin(claimCtx, e.WebhookID, p.cfg.Lease)
	if err != nil {
		err = fmt.Errorf("%w: %v; the delivery was not processed and OpenAI will retry it", core.ErrIdempotencyUnavailable, err)
		p.logRefused(ctx, e, err)
		return Refused, err
	}
	switch state {
	case idempotency.Done:
		p.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "openai-webhooks: duplicate delivery acknowledged",
			slog.String("webhook_id", e.WebhookID), slog.String("event_id", e.ID))
		return Duplicate, nil
	case idempotency.InFlight:
		err := fmt.Errorf("%w: webhook-id %s is being handled by another request; OpenAI will retry it", core.ErrDeliveryInProgress, e.WebhookID)
		p.logRefused(ctx, e, err)
		return Refused, err
	case idempotency.Claimed:
	default:
		err := fmt.Errorf("%w: the store answered state %d", core.ErrIdempotencyUnavailable, state)
		p.logRefused(ctx, e, err)
		return Refused, err
	}

	finished := false
	defer func() {
		if finished {
			return
		}
		// next panicked or answered non-2xx: release the claim so the retry runs. The
		// request's context may be cancelled by now; the release must still happen.
		if err := store.Abandon(context.WithoutCancel(claimCtx), e.WebhookID); err != nil {
			p.cfg.Logger.LogAttrs(ctx, slog.LevelError, "openai-webhooks: could not release the idempotency claim; the retry waits for the lease to expire",
				slog.String("webhook_id", e.WebhookID), slog.String("error", err.Error()))
		}
	}()
	status := next(claimCtx)
	if status < 200 || status > 299 {
		return Ran, nil
	}
	finished = true
	if err := store.Finish(context.WithoutCancel(claimCtx), e.WebhookID, p.cfg.Keep); err != nil {
		// The handler's work is done and answered; a failed Finish only means a retry may
		// run it again, which is the at-least-once baseline.
		p.cfg.Logger.LogAttrs(ctx, slog.LevelError, "openai-webhooks: could not mark the delivery done; a retry may run it again",
			slog.String("webhook_id", e.WebhookID), slog.String("error", err.Error()))
	}
	return Ran, nil
}

// Reply is the answer of a complete endpoint: Err is set for a refusal (answer it through
// the adapter's error handler), else Body is the JSON to answer with Status.
type Reply struct {
	Status int
	Body   []byte
	Err    error
}

// Handle runs h for a verified event under Dispatch, for the adapters' complete
// endpoints, and returns the answer.
func (p *Pipeline) Handle(ctx context.Context, e *core.Event, h core.Handler) Reply {
	var handlerErr error
	outcome, err := p.Dispatch(ctx, e, func(ctx context.Context) int {
		if handlerErr = h.HandleEvent(ctx, e); handlerErr != nil {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	switch {
	case outcome == Duplicate:
		return Reply{Status: http.StatusOK, Body: DuplicateBody()}
	case err != nil:
		return Reply{Status: Status(err), Err: err}
	case handlerErr != nil:
		p.cfg.Logger.LogAttrs(ctx, slog.LevelError, "openai-webhooks: handler failed; answering 500 so OpenAI retries",
			slog.String("webhook_id", e.WebhookID), slog.String("event_type", string(e.Type)), slog.String("error", handlerErr.Error()))
		return Reply{Status: http.StatusInternalServerError, Err: fmt.Errorf("handler failed for %s: %w", e.Type, handlerErr)}
	default:
		return Reply{Status: http.StatusOK, Body: ReceivedBody()}
	}
}

func (p *Pipeline) logRefused(ctx context.Context, e *core.Event, err error) {
	p.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "openai-webhooks: delivery refused",
		slog.String("webhook_id", e.WebhookID), slog.Int("status", Status(err)), slog.String("reason", err.Error()))
}
