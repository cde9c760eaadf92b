// Package nethttp verifies OpenAI webhooks in plain net/http servers.
//
// Middleware wraps any http.Handler: it verifies the delivery over the raw body, restores
// the body for the next handler, and puts the event in the request context (EventFrom).
// Handler is a complete endpoint that dispatches events to a core.Handler such as a
// core.Mux.
//
// A panic in Handler's core.Handler, or in the handler behind Middleware, is recovered
// rather than left to net/http (which would drop the connection): it is logged at Error
// with its stack, the idempotency claim is released, and the delivery is answered 500
// {"error":"…"} through the ErrorHandler and observed as failed. When the handler behind
// Middleware had already written its status, that answer stands, and the observer
// reports the failure with that status. A panic with http.ErrAbortHandler still aborts
// the response, as net/http means it to.
//
// The names are those of every adapter of this module: Middleware, Handler, EventFrom,
// the With… options, ErrorHandler and its default WriteError. net/http has no request
// store of its own, so the event lives only in the request's context and there is no
// EventKey; and there is no MiddlewareWithConfig with a skip hook: wrap only the
// handlers that receive webhooks (mux.Handle("POST /webhooks/openai", Middleware(v)(h))).
package nethttp

import (
	"context"
	"net/http"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/adapteropt"
	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// Middleware returns middleware that lets only verified deliveries through to next.
// Refused deliveries are answered by the ErrorHandler (default WriteError) and do not
// reach next. It panics if v is nil.
//
// With WithIdempotency, the delivery counts as handled when next answered 2xx (200 when
// it wrote nothing, as net/http answers).
func Middleware(v *core.Verifier, opts ...Option) func(http.Handler) http.Handler {
	cfg := adapteropt.Build(opts, WriteError)
	cfg.ReraiseAbort = true // a net/http server below aborts the response
	p := receive.New(v, cfg.Config)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			e, r, ok := receiveEvent(p, cfg, w, r)
			if !ok {
				return
			}
			sw := &receive.StatusWriter{ResponseWriter: w}
			outcome, err := p.Dispatch(r.Context(), e, func(context.Context) int {
				next.ServeHTTP(sw, r)
				return sw.Status()
			}, sw.Sent)
			if reply, ok := receive.Answer(outcome, err); ok {
				send(cfg, w, r, reply)
			}
		})
	}
}

// Handler returns a complete endpoint: it verifies each delivery, calls h, and answers
// 200 {"received":true}, or 500 when h returns an error or panics, so that OpenAI
// retries. It panics if v or h is nil.
func Handler(v *core.Verifier, h core.Handler, opts ...Option) http.Handler {
	if h == nil {
		panic("nethttp.Handler: the core.Handler is nil")
	}
	cfg := adapteropt.Build(opts, WriteError)
	cfg.ReraiseAbort = true // a net/http server below aborts the response
	p := receive.New(v, cfg.Config)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, r, ok := receiveEvent(p, cfg, w, r)
		if !ok {
			return
		}
		send(cfg, w, r, p.Handle(r.Context(), e, h))
	})
}

// EventFrom returns the verified event Middleware stored in the request's context.
func EventFrom(r *http.Request) (*core.Event, bool) {
	return core.FromContext(r.Context())
}

// receiveEvent reads and verifies the delivery, answering the refusal itself. On success
// it returns the request carrying the event, with its body restored.
func receiveEvent(p *receive.Pipeline, cfg adapteropt.Config[ErrorHandler], w http.ResponseWriter, r *http.Request) (*core.Event, *http.Request, bool) {
	e, r, err := p.ReadRequest(r, http.MaxBytesReader(w, receive.Body(r), p.MaxBodyBytes()))
	if err != nil {
		send(cfg, w, r, receive.Refuse(err))
		return nil, r, false
	}
	return e, r, true
}

func send(cfg adapteropt.Config[ErrorHandler], w http.ResponseWriter, r *http.Request, reply receive.Reply) {
	if reply.Err != nil {
		cfg.OnError(w, r, reply.Status, reply.Err)
		return
	}
	writeJSON(w, reply.Status, reply.Body)
}
