package receive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
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
// 2xx, and abandoned on any other status or a panic, so that OpenAI's retry is
// processed. ctx is the context ReadRequest or VerifyFastHTTP returned: Dispatch ends the
// delivery's observation.
//
// A panic in next is recovered (see recoverPanic): when nothing was answered yet,
// Dispatch returns Refused and a 500 error wrapping core.ErrHandlerFailed, to answer like
// any refusal. answered, when not nil, returns the status the response already went out
// with, 0 when nothing did; nil means the framework holds the response until next
// returns (fiber), so it can always be replaced.
func (p *Pipeline) Dispatch(ctx context.Context, e *core.Event, next Next, answered func() int) (Outcome, error) {
	return p.observedDispatch(ctx, e, &call{next: next, answered: answered}, nil)
}

// errHandlerPanicked is what an observer is told of a handler whose panic escaped.
var errHandlerPanicked = fmt.Errorf("%w: the handler panicked", core.ErrHandlerFailed)

// call is one run of next, and what came of a panic in it.
type call struct {
	next     Next
	answered func() int
	panicked *classified // the recovered panic, as a handler failure
	status   int         // after a panic: what the sender sees
	sent     bool        // the response had gone out when next panicked
}

// observedDispatch is dispatch that ends the delivery's observation, if there is one.
// failure, when not nil, points at the handler's classified error (Handle), for the
// observer.
func (p *Pipeline) observedDispatch(ctx context.Context, e *core.Event, c *call, failure **classified) (Outcome, error) {
	o := p.observationIn(ctx)
	if o == nil {
		return c.result(p.dispatch(ctx, e, c))
	}
	escaped := true
	defer func() {
		// Only a store's own panic gets here; the observation ends all the same.
		if escaped {
			o.end(core.OutcomeFailed, core.ReasonHandlerError, http.StatusInternalServerError, errHandlerPanicked)
		}
	}()
	c.next = o.watch(c.next)
	outcome, err := c.result(p.dispatch(ctx, e, c))
	escaped = false
	observed := err
	if observed == nil && failure != nil && *failure != nil {
		observed = *failure
	}
	o.dispatched(outcome, observed, e, c)
	return outcome, err
}

// result turns a recovered panic into the refusal to answer, unless the response had
// already gone out: then it stands, as the sender saw it.
func (c *call) result(outcome Outcome, err error) (Outcome, error) {
	if c.panicked != nil && outcome == Ran && !c.sent {
		return Refused, c.panicked
	}
	return outcome, err
}

// run runs next, recovering a panic: it is logged at Error with its stack, and run
// returns the status the sender will see, 500 unless the response had already gone out.
// Under a net/http server (Config.ReraiseAbort), http.ErrAbortHandler is re-raised: it
// is net/http's way to abort a response on purpose.
func (p *Pipeline) run(ctx context.Context, e *core.Event, c *call) (status int) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if p.cfg.ReraiseAbort && v == http.ErrAbortHandler { //nolint:errorlint // compared as net/http compares it
			panic(v)
		}
		status = http.StatusInternalServerError
		if c.answered != nil {
			if sent := c.answered(); sent != 0 {
				status, c.sent = sent, true
			}
		}
		c.status = status
		c.panicked = classify(fmt.Errorf("%w: the handler panicked for %s (webhook-id %s): %v", core.ErrHandlerFailed, e.Type, e.WebhookID, v))
		msg := "openai-webhooks: handler panicked; answering 500 so OpenAI retries"
		if c.sent {
			msg = "openai-webhooks: handler panicked after its answer went out; the answer stands"
		}
		p.cfg.Logger.LogAttrs(ctx, slog.LevelError, msg,
			slog.String("webhook_id", truncate(e.WebhookID, 64)), slog.String("event_type", string(e.Type)),
			slog.Int("status", status), slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
	}()
	return c.next(ctx)
}

func (p *Pipeline) dispatch(ctx context.Context, e *core.Event, c *call) (Outcome, error) {
	store := p.cfg.Store
	if store == nil {
		p.logMark(ctx, e, p.run(ctx, e, c))
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
	status := p.run(ctx, e, c)
	if status < 200 || status > 299 || c.panicked != nil {
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
	outcome, err := p.observedDispatch(ctx, e, &call{next: func(ctx context.Context) int {
		if handlerErr := h.HandleEvent(ctx, e); handlerErr != nil {
			failure = classify(fmt.Errorf("%w for %s (webhook-id %s): %w", core.ErrHandlerFailed, e.Type, e.WebhookID, handlerErr))
			p.logRefusal(ctx, e.WebhookID, failure)
			return failure.r.Status
		}
		return http.StatusOK
	}}, &failure)
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
