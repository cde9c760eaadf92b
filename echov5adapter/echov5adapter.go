// Package echov5adapter verifies OpenAI webhooks in echo v5 applications
// (github.com/labstack/echo/v5); package echoadapter serves echo v4.
//
// Middleware is an echo.MiddlewareFunc that verifies each delivery over the raw body,
// restores the body for the next handler (Body, GetBody, ContentLength), and stores the
// event with c.Set and in the request's context (EventFrom, core.FromContext). A refused
// delivery is answered by the ErrorHandler: by default {"error":"…"} with the status
// listed there. Handler is a complete endpoint that dispatches events to a core.Handler
// such as a core.Mux.
//
// MiddlewareWithConfig takes a Skipper of the shape of echo's
// middleware.Skipper, and echo's BodyLimit middleware may run before Middleware: its 413
// stays a 413.
//
// A panic in Handler's core.Handler, or in the handler after Middleware, is recovered by
// the adapter, as echo's Recover middleware would, so that one in front of it does not
// see it: it is logged at Error with its stack, the idempotency claim is released, and
// the delivery is answered 500 {"error":"…"} through the ErrorHandler and observed as
// failed. When the handler had already committed its answer, that answer stands, and
// the observer reports the failure with its status. A panic with
// http.ErrAbortHandler still aborts the response, as net/http means it to.
//
// The names are those of every adapter of this module: Middleware, Handler, EventFrom,
// EventKey (the key in echo's own store, c.Set), the With… options, ErrorHandler and its
// default WriteError. MiddlewareWithConfig exists where the framework's own middleware
// takes a Config with a skip hook: here, echo's Skipper (fiber's adapters: Next).
package echov5adapter

// This package is a translator of the same size as echoadapter: the two share the
// receive pipeline and the BodyLimit translation (internal/receive); what remains is
// written twice because echo v4's echo.Context interface and echo v5's *echo.Context
// struct are different types.

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/adapteropt"
	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// EventKey is the key under which Middleware and Handler store the verified *core.Event
// with c.Set: c.Get(echov5adapter.EventKey).(*core.Event). EventFrom reads it for you.
// Its value, "github.com/webhookkit/openai-webhooks/event", is the same in every adapter.
const EventKey = receive.EventKey

// Middleware returns echo middleware that lets only verified deliveries through to next.
// MiddlewareWithConfig adds a Skipper, for requests that go to next unverified. It
// panics if v is nil.
//
// With WithIdempotency, the delivery counts as handled when next returned nil and the
// response status is 2xx; an error returned by next counts with the status echo's error
// handler answers for it (echo.ResolveResponseStatus: its StatusCode, or 500).
func Middleware(v *core.Verifier, opts ...Option) echo.MiddlewareFunc {
	return middleware(v, nil, opts)
}

func middleware(v *core.Verifier, skip func(*echo.Context) bool, opts []Option) echo.MiddlewareFunc {
	p, f := newFlow(v, opts)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		f := *f
		f.Next = next
		return func(c *echo.Context) error {
			if skip != nil && skip(c) {
				return next(c)
			}
			watchFlushes(c.Response()) // only for a delivery: a skipped request keeps its writer as it is
			return receive.RunMiddleware(p, &f, nil, c)
		}
	}
}

// Handler returns a complete endpoint: it verifies each delivery, calls h, and answers
// 200 {"received":true}, or 500 when h returns an error or panics, so that OpenAI
// retries. It panics if v or h is nil.
func Handler(v *core.Verifier, h core.Handler, opts ...Option) echo.HandlerFunc {
	if h == nil {
		panic("echov5adapter.Handler: the core.Handler is nil")
	}
	p, f := newFlow(v, opts)
	return func(c *echo.Context) error { return receive.RunHandler(p, f, h, c) }
}

// EventFrom returns the verified event Middleware or Handler stored in c.
func EventFrom(c *echo.Context) (*core.Event, bool) {
	e, ok := c.Get(EventKey).(*core.Event)
	return e, ok && e != nil
}

// newFlow returns the pipeline of opts and echo's part of it (receive.Flow).
func newFlow(v *core.Verifier, opts []Option) (*receive.Pipeline, *receive.Flow[*echo.Context]) {
	cfg := adapteropt.Build(opts, WriteError)
	cfg.ReraiseAbort = true // a net/http server below aborts the response
	return receive.New(v, cfg.Config), &receive.Flow[*echo.Context]{
		Receive: receiveEvent,
		Status: func(c *echo.Context, err error) int {
			_, status := echo.ResolveResponseStatus(c.Response(), err)
			return status
		},
		Sent: func(c *echo.Context) int {
			resp, status := echo.ResolveResponseStatus(c.Response(), nil)
			if resp == nil {
				return 0
			}
			if resp.Committed {
				return status
			}
			if sw, ok := resp.ResponseWriter.(*receive.StatusWriter); ok {
				return sw.Sent() // flushed, or written past echo's Response
			}
			return 0
		},
		Send: func(c *echo.Context, reply receive.Reply) error {
			if reply.Err != nil {
				return cfg.OnError(c, reply.Status, reply.Err)
			}
			return c.Blob(reply.Status, receive.ContentType, reply.Body)
		},
	}
}

// watchFlushes puts a receive.StatusWriter under the echo.Response in rw: echo does not
// count a flush as committing the response, yet it sends the status, so a handler that
// flushed and then panicked has answered (Sent) and nothing may be written after it.
func watchFlushes(rw http.ResponseWriter) {
	resp, err := echo.UnwrapResponse(rw)
	if err != nil {
		return
	}
	if _, ok := resp.ResponseWriter.(*receive.StatusWriter); !ok {
		resp.ResponseWriter = &receive.StatusWriter{ResponseWriter: resp.ResponseWriter}
	}
}

// receiveEvent reads and verifies the delivery; on success the event is stored in c and
// the body restored.
func receiveEvent(p *receive.Pipeline, c *echo.Context) (context.Context, *core.Event, error) {
	r := c.Request()
	e, r, err := p.ReadRequest(r, receive.LimitReader(receive.Body(r), overEchoLimit, "echo's BodyLimit middleware"))
	if err != nil {
		return nil, nil, err
	}
	c.SetRequest(r)
	c.Set(EventKey, e)
	return r.Context(), e, nil
}

// overEchoLimit reports whether a read failed because echo's BodyLimit middleware saw
// the body pass its limit: v5's limited reader fails with echo.ErrStatusRequestEntityTooLarge.
func overEchoLimit(err error) bool {
	return echo.StatusCode(err) == http.StatusRequestEntityTooLarge
}
