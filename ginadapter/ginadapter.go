// Package ginadapter verifies OpenAI webhooks in gin applications.
//
// Middleware is a gin.HandlerFunc that verifies each delivery over the raw body,
// restores the body for the handlers after it (c.Request.Body, GetBody, ContentLength
// and gin.BodyBytesKey, so ShouldBindBodyWith works), and stores the event with c.Set
// and in c.Request.Context() (EventFrom, core.FromContext). A refused delivery is
// answered by the ErrorHandler, by default {"error":"…"} with the status listed there,
// and the chain is aborted. Handler is a complete endpoint that dispatches events to a
// core.Handler such as a core.Mux.
//
// A panic in Handler's core.Handler, or in a handler after Middleware, is recovered by
// the adapter, so gin.Recovery in front of it does not see it: it is logged at Error with
// its stack, the idempotency claim is released, and the delivery is answered 500
// {"error":"…"} through the ErrorHandler (gin.Recovery would answer 500 too) and observed
// as failed. When the chain had already written its answer, that answer stands, and the
// observer reports the failure with its status. A panic with
// http.ErrAbortHandler still aborts the response, as net/http means it to.
//
// The names are those of every adapter of this module: Middleware, Handler, EventFrom,
// EventKey (the key in gin's own store), the With… options, ErrorHandler and its default
// WriteError. There is no MiddlewareWithConfig with a skip hook, as gin's own middleware
// has none: attach Middleware to the route or group that receives webhooks
// (r.POST("/webhooks/openai", ginadapter.Middleware(v), handle)).
package ginadapter

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/adapteropt"
	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// EventKey is the key under which Middleware and Handler store the verified *core.Event
// with c.Set: c.MustGet(ginadapter.EventKey).(*core.Event). EventFrom reads it for you.
// Its value, "github.com/webhookkit/openai-webhooks/event", is the same in every adapter.
const EventKey = receive.EventKey

// Middleware returns gin middleware that lets only verified deliveries through to the
// handlers after it. It panics if v is nil.
//
// With WithIdempotency, the delivery counts as handled when the chain answered 2xx
// (c.Writer.Status() after c.Next()) and recorded no error with c.Error that is still to
// be rendered (the chain was aborted, or nothing was written yet).
func Middleware(v *core.Verifier, opts ...Option) gin.HandlerFunc {
	p, f := newFlow(v, opts)
	return func(c *gin.Context) { _ = receive.RunMiddleware(p, f, nil, c) }
}

// Handler returns a complete endpoint: it verifies each delivery, calls h, and answers
// 200 {"received":true}, or 500 when h returns an error or panics, so that OpenAI
// retries. It panics if v or h is nil.
func Handler(v *core.Verifier, h core.Handler, opts ...Option) gin.HandlerFunc {
	if h == nil {
		panic("ginadapter.Handler: the core.Handler is nil")
	}
	p, f := newFlow(v, opts)
	return func(c *gin.Context) { _ = receive.RunHandler(p, f, h, c) }
}

// EventFrom returns the verified event Middleware or Handler stored in c.
func EventFrom(c *gin.Context) (*core.Event, bool) {
	value, _ := c.Get(EventKey)
	e, ok := value.(*core.Event)
	return e, ok && e != nil
}

// newFlow returns the pipeline of opts and gin's part of it (receive.Flow; gin's
// handlers return no error, so its steps return nil).
func newFlow(v *core.Verifier, opts []Option) (*receive.Pipeline, *receive.Flow[*gin.Context]) {
	cfg := adapteropt.Build(opts, WriteError)
	cfg.ReraiseAbort = true // a net/http server below aborts the response
	return receive.New(v, cfg.Config), &receive.Flow[*gin.Context]{
		Receive: receiveEvent,
		Next:    next,
		Status:  func(c *gin.Context, _ error) int { return nextStatus(c) },
		Sent: func(c *gin.Context) int {
			if c.Writer.Written() { // gin holds a status set with c.Status until the first write
				return c.Writer.Status()
			}
			return 0
		},
		Send: func(c *gin.Context, reply receive.Reply) error {
			if reply.Err != nil {
				cfg.OnError(c, reply.Status, reply.Err)
			} else {
				c.Data(reply.Status, receive.ContentType, reply.Body)
			}
			c.Abort()
			return nil
		},
	}
}

// next runs the chain after Middleware. A panic in it aborts the chain before the
// pipeline recovers it, as gin.Recovery does: else, when the panicking handler had
// already answered, gin would go on to the handlers after it.
func next(c *gin.Context) error {
	panicked := true
	defer func() {
		if panicked {
			c.Abort()
		}
	}()
	c.Next()
	panicked = false
	return nil
}

// receiveEvent reads and verifies the delivery. On success the event is stored in c and
// the body restored.
func receiveEvent(p *receive.Pipeline, c *gin.Context) (context.Context, *core.Event, error) {
	e, r, err := p.ReadRequest(c.Request, receive.Body(c.Request))
	if err != nil {
		return nil, nil, err
	}
	c.Request = r
	c.Set(EventKey, e)
	c.Set(gin.BodyBytesKey, e.Raw)
	return r.Context(), e, nil
}

// nextStatus is the status the chain after Middleware answered, for the idempotency
// store. Errors recorded with c.Error count as a failure (500) when the chain was aborted
// or has written nothing yet: an error-rendering middleware before this one answers them.
func nextStatus(c *gin.Context) int {
	status := c.Writer.Status()
	if status >= 200 && status < 300 && len(c.Errors) > 0 && (c.IsAborted() || !c.Writer.Written()) {
		return http.StatusInternalServerError
	}
	return status
}
