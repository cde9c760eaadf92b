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
// the observer reports the failure with its status.
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
	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// EventKey is the key under which Middleware and Handler store the verified *core.Event
// with c.Set: c.Get(echov5adapter.EventKey).(*core.Event). EventFrom reads it for you.
const EventKey = "github.com/webhookkit/openai-webhooks/event"

// Middleware returns echo middleware that lets only verified deliveries through to next.
// MiddlewareWithConfig adds a Skipper, for requests that go to next unverified. It
// panics if v is nil.
//
// With WithIdempotency, the delivery counts as handled when next returned nil and the
// response status is 2xx; an error returned by next counts with the status echo's error
// handler answers for it (echo.ResolveResponseStatus: its StatusCode, or 500).
func Middleware(v *core.Verifier, opts ...Option) echo.MiddlewareFunc {
	cfg := newConfig(opts)
	p := receive.New(v, cfg.Config)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if cfg.skipper(c) {
				return next(c)
			}
			e, err := receiveEvent(p, c)
			if err != nil {
				return send(c, cfg, receive.Refuse(err))
			}
			var nextErr error
			outcome, err := p.Dispatch(c.Request().Context(), e, func(context.Context) int {
				nextErr = next(c)
				_, status := echo.ResolveResponseStatus(c.Response(), nextErr)
				return status
			}, func() int { return sentStatus(c) })
			if reply, ok := receive.Answer(outcome, err); ok {
				return send(c, cfg, reply)
			}
			return nextErr
		}
	}
}

// Handler returns a complete endpoint: it verifies each delivery, calls h, and answers
// 200 {"received":true}, or 500 when h returns an error so that OpenAI retries. It
// panics if v or h is nil.
func Handler(v *core.Verifier, h core.Handler, opts ...Option) echo.HandlerFunc {
	if h == nil {
		panic("echov5adapter.Handler: the core.Handler is nil")
	}
	cfg := newConfig(opts)
	p := receive.New(v, cfg.Config)
	return func(c *echo.Context) error {
		e, err := receiveEvent(p, c)
		if err != nil {
			return send(c, cfg, receive.Refuse(err))
		}
		return send(c, cfg, p.Handle(c.Request().Context(), e, h))
	}
}

// EventFrom returns the verified event Middleware or Handler stored in c.
func EventFrom(c *echo.Context) (*core.Event, bool) {
	e, ok := c.Get(EventKey).(*core.Event)
	return e, ok && e != nil
}

// receiveEvent reads and verifies the delivery; on success the event is stored in c and
// the body restored.
func receiveEvent(p *receive.Pipeline, c *echo.Context) (*core.Event, error) {
	r := c.Request()
	e, r, err := p.ReadRequest(r, receive.LimitReader(receive.Body(r), overEchoLimit, "echo's BodyLimit middleware"))
	if err != nil {
		return nil, err
	}
	c.SetRequest(r)
	c.Set(EventKey, e)
	return e, nil
}

// sentStatus is the status that went out, or 0 when nothing was written yet.
func sentStatus(c *echo.Context) int {
	if resp, status := echo.ResolveResponseStatus(c.Response(), nil); resp != nil && resp.Committed {
		return status
	}
	return 0
}

// overEchoLimit reports whether a read failed because echo's BodyLimit middleware saw
// the body pass its limit: v5's limited reader fails with echo.ErrStatusRequestEntityTooLarge.
func overEchoLimit(err error) bool {
	return echo.StatusCode(err) == http.StatusRequestEntityTooLarge
}

func send(c *echo.Context, cfg config, reply receive.Reply) error {
	if reply.Err != nil {
		return cfg.onError(c, reply.Status, reply.Err)
	}
	return c.Blob(reply.Status, receive.ContentType, reply.Body)
}
