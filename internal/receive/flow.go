package receive

import (
	"context"

	"github.com/webhookkit/openai-webhooks/core"
)

// Flow is the framework's part of Middleware and Handler in a framework whose handlers
// take a request context C and return an error (echo v4 and v5, fiber v2 and v3; gin's
// return none, its Flow returns nil): the steps are RunMiddleware's and RunHandler's, the
// same in every such adapter.
type Flow[C any] struct {
	// Receive reads and verifies the delivery in c and stores the event in c; it returns
	// the context the delivery runs in (ReadRequest's or VerifyFastHTTP's).
	Receive func(p *Pipeline, c C) (context.Context, *core.Event, error)
	// Next runs the handlers after the middleware.
	Next func(c C) error
	// Status is the status the handlers after the middleware answered, given the error
	// Next returned, as the framework's error handler will answer it.
	Status func(c C, err error) int
	// Sent is the status that already went out, 0 when nothing did; nil for a framework
	// that sends nothing before the handlers return (fiber).
	Sent func(c C) int
	// Send answers reply: its Err through the adapter's error handler, else its Body.
	Send func(c C, reply Reply) error
}

// RunMiddleware is a Middleware's handling of c: unless skip (which may be nil) reports
// true, the delivery is verified, the handlers after it run under Dispatch, and a
// refusal, a duplicate or a panic is answered with Send; else Next's error is returned.
func RunMiddleware[C any](p *Pipeline, f *Flow[C], skip func(C) bool, c C) error {
	if skip != nil && skip(c) {
		return f.Next(c)
	}
	ctx, e, err := f.Receive(p, c)
	if err != nil {
		return f.Send(c, Refuse(err))
	}
	var sent func() int
	if f.Sent != nil {
		sent = func() int { return f.Sent(c) }
	}
	var nextErr error
	outcome, err := p.Dispatch(ctx, e, func(context.Context) int {
		nextErr = f.Next(c)
		return f.Status(c, nextErr)
	}, sent)
	if reply, ok := Answer(outcome, err); ok {
		return f.Send(c, reply)
	}
	return nextErr
}

// RunHandler is a complete endpoint's handling of c: the delivery is verified, h runs
// under Handle, and the answer is sent.
func RunHandler[C any](p *Pipeline, f *Flow[C], h core.Handler, c C) error {
	ctx, e, err := f.Receive(p, c)
	if err != nil {
		return f.Send(c, Refuse(err))
	}
	return f.Send(c, p.Handle(ctx, e, h))
}
