// Package fiberv3adapter verifies OpenAI webhooks in fiber v3 applications
// (github.com/gofiber/fiber/v3); package fiberadapter serves fiber v2.
//
// Middleware is a fiber.Handler that verifies each delivery over the body exactly as
// received (c.BodyRaw, never the decompressed body) and stores the event with c.Locals
// and in c.Context() (EventFrom, core.FromContext). The body is not modified, so the
// next handler reads the same bytes. A refused delivery is answered by the ErrorHandler:
// by default {"error":"…"} with the status listed there. Handler is a complete endpoint
// that dispatches events to a core.Handler such as a core.Mux.
//
// fiber reuses its buffers once a handler returns; the event owns copies of everything
// it keeps, so it may outlive the request. Only the request's own header block counts:
// fields of a chunked body's trailer section are ignored. MiddlewareWithConfig takes a
// Config with a Next func like fiber's own middleware. Set AppErrorHandler as
// fiber.Config.ErrorHandler and fiber.Config.BodyLimit to the same limit as
// WithMaxBodyBytes, so that what fiber refuses itself (413, 431, 400, …) is answered
// {"error":"…"} too. fiber's ReadBufferSize (4096 by default) bounds the request
// headers.
//
// A panic in Handler's core.Handler, or in the handlers after Middleware, is recovered by
// the adapter, as fiber's recover middleware would (fasthttp itself does not recover):
// it is logged at Error with its stack, the idempotency claim is released, and the
// delivery is answered 500 {"error":"…"} through the ErrorHandler and observed as
// failed. fiber sends nothing before the handlers return, so a panicking handler's
// partial answer is always replaced. A panic with http.ErrAbortHandler, which only a net/http
// server acts on, is recovered the same way.
//
// The names are those of every adapter of this module: Middleware, Handler, EventFrom,
// EventKey (the key in fiber's own store, c.Locals), the With… options, ErrorHandler and
// its default WriteError. MiddlewareWithConfig exists where the framework's own
// middleware takes a Config with a skip hook: here, fiber's Next (echo's adapters:
// Skipper).
package fiberv3adapter

// This package is a translator of the same size as fiberadapter: the two share the
// receive pipeline and its fasthttp header reading (internal/receive, VerifyFastHTTP);
// what remains is written twice because fiber v2's *fiber.Ctx and fiber v3's fiber.Ctx
// interface are different types.

import (
	"context"
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/adapteropt"
	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// EventKey is the key under which Middleware and Handler store the verified *core.Event
// with c.Locals: c.Locals(fiberv3adapter.EventKey).(*core.Event). EventFrom reads it for you.
// Its value, "github.com/webhookkit/openai-webhooks/event", is the same in every adapter.
const EventKey = receive.EventKey

// Middleware returns fiber middleware that lets only verified deliveries through to the
// next handler. MiddlewareWithConfig adds a Next func, for requests that go to the next
// handler unverified. It panics if v is nil.
//
// With WithIdempotency, the delivery counts as handled when c.Next() returned nil and
// the response status is 2xx; an error counts with the code of its *fiber.Error, or as
// 500.
func Middleware(v *core.Verifier, opts ...Option) fiber.Handler {
	return middleware(v, nil, opts)
}

func middleware(v *core.Verifier, skip func(fiber.Ctx) bool, opts []Option) fiber.Handler {
	p, f := newFlow(v, opts)
	return func(c fiber.Ctx) error { return receive.RunMiddleware(p, f, skip, c) }
}

// Handler returns a complete endpoint: it verifies each delivery, calls h, and answers
// 200 {"received":true}, or 500 when h returns an error or panics, so that OpenAI
// retries. It panics if v or h is nil.
func Handler(v *core.Verifier, h core.Handler, opts ...Option) fiber.Handler {
	if h == nil {
		panic("fiberv3adapter.Handler: the core.Handler is nil")
	}
	p, f := newFlow(v, opts)
	return func(c fiber.Ctx) error { return receive.RunHandler(p, f, h, c) }
}

// EventFrom returns the verified event Middleware or Handler stored in c.
func EventFrom(c fiber.Ctx) (*core.Event, bool) {
	e, ok := c.Locals(EventKey).(*core.Event)
	return e, ok && e != nil
}

// newFlow returns the pipeline of opts and fiber's part of it (receive.Flow). fiber
// sends nothing before the handlers return: Sent is nil.
func newFlow(v *core.Verifier, opts []Option) (*receive.Pipeline, *receive.Flow[fiber.Ctx]) {
	cfg := adapteropt.Build(opts, WriteError)
	return receive.New(v, cfg.Config), &receive.Flow[fiber.Ctx]{
		Receive: receiveEvent,
		Next:    fiber.Ctx.Next,
		Status:  nextStatus,
		Send: func(c fiber.Ctx, reply receive.Reply) error {
			if reply.Err != nil {
				return cfg.OnError(c, reply.Status, reply.Err)
			}
			return writeJSON(c, reply.Status, reply.Body)
		},
	}
}

// receiveEvent verifies the raw body under the headers of the request's own header
// block (not chunked trailers); on success the event, which owns copies of everything it
// keeps, is stored in c.
func receiveEvent(p *receive.Pipeline, c fiber.Ctx) (context.Context, *core.Event, error) {
	ctx, e, err := p.VerifyFastHTTP(c.Context(), c.BodyRaw(), c.Request().Header.RawHeaders(), func(name string) string { return c.Get(name) })
	if err != nil {
		return nil, nil, err
	}
	c.Locals(EventKey, e)
	c.SetContext(ctx)
	return ctx, e, nil
}

// nextStatus is the status the next handler answered, for the idempotency store, the
// way fiber's error handler will answer a returned error.
func nextStatus(c fiber.Ctx, err error) int {
	if err == nil {
		return c.Response().StatusCode()
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	return http.StatusInternalServerError
}
