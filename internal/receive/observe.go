package receive

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// observation is one delivery's record while the configured core.Observer watches it.
// With no observer there is none: every method below is then a nil check and nothing
// more, so the verify path allocates nothing for it.
type observation struct {
	observer core.Observer
	ctx      context.Context // the context StartDelivery returned
	start    time.Time
	status   int // what next answered, once it ran
	d        core.Delivery
	ended    bool
}

type observationKey struct{}

// maxObservedID bounds the webhook-id an observer is given: on a refused delivery it is
// whatever the sender sent.
const maxObservedID = 128

// begin starts observing a delivery with headers h. It returns the context the rest of
// the delivery runs in, which carries the observation to Dispatch and Handle.
func (p *Pipeline) begin(ctx context.Context, h core.Headers) (context.Context, *observation) {
	if p.cfg.Observer == nil {
		return ctx, nil
	}
	o := &observation{observer: p.cfg.Observer, start: time.Now()}
	o.d.WebhookID = truncate(strings.Trim(h.ID, " \t"), maxObservedID)
	ctx = context.WithValue(o.observer.StartDelivery(ctx), observationKey{}, o)
	o.ctx = ctx
	return ctx, o
}

// observationIn returns the observation begin put in ctx, or nil.
func (p *Pipeline) observationIn(ctx context.Context) *observation {
	if p.cfg.Observer == nil {
		return nil
	}
	o, _ := ctx.Value(observationKey{}).(*observation)
	return o
}

// verified records the end of verification and what the event is.
func (o *observation) verified(e *core.Event) {
	if o == nil {
		return
	}
	o.d.Verification = time.Since(o.start)
	o.d.EventID, o.d.EventType = e.ID, e.Type
}

// watch wraps next so that the observation records how long it ran and what it
// answered.
func (o *observation) watch(next Next) Next {
	return func(ctx context.Context) int {
		start := time.Now()
		defer func() { o.d.Handler = time.Since(start) }()
		o.status = next(ctx)
		return o.status
	}
}

// refused ends the observation of a delivery refused with c.
func (o *observation) refused(c *classified) {
	if o == nil {
		return
	}
	if o.d.Verification == 0 {
		o.d.Verification = time.Since(o.start)
	}
	o.end(c.r.Outcome, c.r.Reason, c.r.Status, c)
}

// dispatched ends the observation after Dispatch: by its outcome and error, or by the
// status next answered and how it marked e (err is then the handler's failure, if any).
// A next that panicked after its answer went out failed, whatever that answer was.
func (o *observation) dispatched(outcome Outcome, err error, e *core.Event, c *call) {
	status := o.status
	switch {
	case c.panicked != nil:
		o.end(core.OutcomeFailed, core.ReasonHandlerError, c.status, c.panicked)
	case outcome == Duplicate:
		o.end(core.OutcomeDuplicate, core.ReasonNone, http.StatusOK, nil)
	case outcome == Refused:
		r := RefusalOf(err)
		o.end(r.Outcome, r.Reason, r.Status, err)
	case status < 200 || status > 299:
		o.end(core.OutcomeFailed, core.ReasonHandlerError, status, err)
	case e.Marked() == core.OutcomeDuplicate:
		o.end(core.OutcomeDuplicate, core.ReasonNone, status, nil)
	case e.Marked() == core.OutcomeUnhandled:
		o.end(core.OutcomeUnhandled, core.ReasonNone, status, nil)
	default:
		o.end(core.OutcomeHandled, core.ReasonNone, status, nil)
	}
}

func (o *observation) end(outcome core.Outcome, reason core.Reason, status int, err error) {
	if o.ended {
		return
	}
	o.ended = true
	o.d.Outcome, o.d.Reason, o.d.Status, o.d.Err = outcome, reason, status, err
	o.observer.EndDelivery(o.ctx, o.d)
}
