package receive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

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
// OpenAI's retry is processed. ctx is the context ReadRequest or VerifyFastHTTP returned:
// Dispatch ends the delivery's observation.
func (p *Pipeline) Dispatch(ctx context.Context, e *core.Event, next Next) (Outcome, error) {
	return p.observedDispatch(ctx, e, next, nil)
}

// errHandlerPanicked is what an observer is told of a handler that panicked.
var errHandlerPanicked = fmt.Errorf("%w: the handler panicked", core.ErrHandlerFailed)

// observedDispatch is dispatch that ends the delivery's observation, if there is one,
// also when next panics. failure, when not nil, points at the handler's classified error
// (Handle), for the observer.
func (p *Pipeline) observedDispatch(ctx context.Context, e *core.Event, next Next, failure **classified) (Outcome, error) {
	o := p.observationIn(ctx)
	if o == nil {
		return p.dispatch(ctx, e, next)
	}
	panicked := true
	defer func() {
		if panicked {
			o.end(core.OutcomeFailed, core.ReasonHandlerError, http.StatusInternalServerError, errHandlerPanicked)
		}
	}()
	outcome, err := p.dispatch(ctx, e, o.watch(next))
	panicked = false
	observed := err
	if observed == nil && failure != nil && *failure != nil {
		observed = *failure
	}
	o.dispatched(outcome, observed, e)
	return outcome, err
}

func (p *Pipeline) dispatch(ctx context.Context, e *core.Event, next Next) (Outcome, error) {
	store := p.cfg.Store
	if store == nil {
		p.logMark(ctx, e, next(ctx))
		return Ran, nil
	}
	state, token, err := store.Begin(ctx, e.WebhookID, p.cfg.Lease)
	if err != nil {
		return Refused, p.refuse(ctx, e, fmt.Errorf("%w: %v; the delivery was not processed and OpenAI will retry it", core.ErrIdempotencyUnavailable, err))
	}
	switch state {
	case idempotency.Done:
		p.logDuplicate(ctx, e)
		return Duplicate, nil
	case idempotency.InFlight:
		return Refused, p.refuse(ctx, e, fmt.Errorf("%w: webhook-id %s is being handled by another request; OpenAI will retry it", core.ErrDeliveryInProgress, e.WebhookID))
	case idempotency.Claimed:
	default:
		return Refused, p.refuse(ctx, e, fmt.Errorf("%w: the store answered state %d", core.ErrIdempotencyUnavailable, state))
	}

	// The request's context may be cancelled while next still runs, or by the time it
	// returns; renewing, finishing and releasing the claim must happen all the same.
	storeCtx := context.WithoutCancel(ctx)
	stopRenewing := p.renewClaim(storeCtx, e.WebhookID, token)
	finished := false
	defer func() {
		stopRenewing()
		if finished {
			return
		}
		// next panicked or answered non-2xx: release the claim so the retry runs.
		if err := store.Abandon(storeCtx, e.WebhookID, token); err != nil {
			p.cfg.Logger.LogAttrs(ctx, slog.LevelError, "openai-webhooks: could not release the idempotency claim; the retry waits for the lease to expire",
				slog.String("webhook_id", e.WebhookID), slog.String("error", err.Error()))
		}
	}()
	status := next(ctx)
	if status < 200 || status > 299 {
		return Ran, nil
	}
	p.logMark(ctx, e, status)
	finished = true
	stopRenewing()
	if err := store.Finish(storeCtx, e.WebhookID, token, p.cfg.Keep); err != nil {
		// The handler's work is done and answered; a failed Finish only means a retry may
		// run it again, which is the at-least-once baseline.
		p.cfg.Logger.LogAttrs(ctx, slog.LevelError, "openai-webhooks: could not mark the delivery done; a retry may run it again",
			slog.String("webhook_id", e.WebhookID), slog.String("error", err.Error()))
	}
	return Ran, nil
}

// renewClaim extends the claim every third of the lease until the returned stop is
// called, so that a handler slower than the lease keeps its claim while it runs, and a
// dead holder's claim still expires one lease after its last renewal. stop waits for a
// renewal under way, so none races the Finish or Abandon that follows; calling it again
// does nothing.
func (p *Pipeline) renewClaim(ctx context.Context, key string, token idempotency.Token) (stop func()) {
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		ticker := time.NewTicker(max(p.cfg.Lease/3, time.Millisecond))
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
			}
			err := p.cfg.Store.Extend(ctx, key, token, p.cfg.Lease)
			if err == nil {
				continue
			}
			if errors.Is(err, idempotency.ErrNotHeld) {
				p.cfg.Logger.LogAttrs(ctx, slog.LevelError, "openai-webhooks: the idempotency claim was lost while the handler ran; a retry may run it again",
					slog.String("webhook_id", key), slog.String("error", err.Error()))
				return
			}
			// A passing store failure: the claim holds until its lease ends; try again.
			p.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "openai-webhooks: could not extend the idempotency claim; retrying",
				slog.String("webhook_id", key), slog.String("error", err.Error()))
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-exited
		})
	}
}

// Reply is the answer of a complete endpoint: Err is set for a refusal (answer it through
// the adapter's error handler), else Body is the JSON to answer with Status.
type Reply struct {
	Status int
	Body   []byte
	Err    error
}

// Handle runs h for a verified event under Dispatch, for the adapters' complete
// endpoints, and returns the answer: 200 {"received":true}, also for an event h marked
// unhandled; 200 {"received":true,"duplicate":true} for a duplicate the store found or h
// marked (core.Event.MarkDuplicate); or the refusal or failure, h's error wrapped in
// core.ErrHandlerFailed.
func (p *Pipeline) Handle(ctx context.Context, e *core.Event, h core.Handler) Reply {
	var failure *classified
	outcome, err := p.observedDispatch(ctx, e, func(ctx context.Context) int {
		if handlerErr := h.HandleEvent(ctx, e); handlerErr != nil {
			failure = classify(fmt.Errorf("%w for %s (webhook-id %s): %w", core.ErrHandlerFailed, e.Type, e.WebhookID, handlerErr))
			p.logRefusal(ctx, e.WebhookID, failure)
			return failure.r.Status
		}
		return http.StatusOK
	}, &failure)
	switch {
	case err != nil:
		return Refuse(err)
	case failure != nil:
		return Reply{Status: failure.r.Status, Err: failure}
	case outcome == Duplicate || e.Marked() == core.OutcomeDuplicate:
		return Reply{Status: http.StatusOK, Body: DuplicateBody()}
	default:
		return Reply{Status: http.StatusOK, Body: ReceivedBody()}
	}
}

// refuse classifies err, the refusal or failure of the verified event e, and logs it.
func (p *Pipeline) refuse(ctx context.Context, e *core.Event, err error) error {
	c := classify(err)
	p.logRefusal(ctx, e.WebhookID, c)
	return c
}

// logRefusal is the one log line of a refused or failed delivery: a refusal at Warn
// (the sender's problem, or a forgery), a failure at Error (the receiver's own).
func (p *Pipeline) logRefusal(ctx context.Context, webhookID string, c *classified) {
	level, msg := slog.LevelWarn, "openai-webhooks: delivery rejected"
	switch {
	case c.r.Outcome == core.OutcomeInFlight:
		msg = "openai-webhooks: delivery in progress elsewhere; answering 409 so OpenAI retries later"
	case c.r.Outcome == core.OutcomeFailed && c.r.Reason == core.ReasonHandlerError:
		level, msg = slog.LevelError, "openai-webhooks: handler failed; answering 500 so OpenAI retries"
	case c.r.Outcome == core.OutcomeFailed:
		level, msg = slog.LevelError, "openai-webhooks: delivery failed; answering an error so OpenAI retries"
	}
	p.cfg.Logger.LogAttrs(ctx, level, msg,
		slog.String("webhook_id", truncate(webhookID, 64)),
		slog.Int("status", c.r.Status),
		slog.String("outcome", string(c.r.Outcome)),
		slog.String("reason", c.err.Error()))
}

// logMark logs how next took e when it answered 2xx: a duplicate it found already
// queued as the store's duplicates are, an event no handler took at Info.
func (p *Pipeline) logMark(ctx context.Context, e *core.Event, status int) {
	if status < 200 || status > 299 {
		return
	}
	switch e.Marked() {
	case core.OutcomeDuplicate:
		p.logDuplicate(ctx, e)
	case core.OutcomeUnhandled:
		p.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "openai-webhooks: no handler for the event type; acknowledged",
			slog.String("webhook_id", e.WebhookID), slog.String("event_id", e.ID), slog.String("event_type", string(e.Type)))
	}
}

// logDuplicate is the one log line of a duplicate delivery, found by the idempotency
// store or by a queue that already held it.
func (p *Pipeline) logDuplicate(ctx context.Context, e *core.Event) {
	p.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "openai-webhooks: duplicate delivery acknowledged",
		slog.String("webhook_id", e.WebhookID), slog.String("event_id", e.ID))
}
