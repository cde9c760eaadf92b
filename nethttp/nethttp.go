// Package nethttp verifies OpenAI webhooks in plain net/http servers.
//
// Middleware wraps any http.Handler: it verifies the delivery over the raw body, restores
// the body for the next handler, and puts the event in the request context (EventFrom).
// Handler is a complete endpoint that dispatches events to a core.Handler such as a
// core.Mux.
package nethttp

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// Middleware returns middleware that lets only verified deliveries through to next.
// Refused deliveries are answered with the status of core.StatusCode and
// {"error":"…"}. It panics if v is nil.
func Middleware(v *core.Verifier, opts ...Option) func(http.Handler) http.Handler {
	cfg := newConfig(opts)
	p := receive.New(v, cfg.Config)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			e, r, ok := receiveEvent(p, cfg, w, r)
			if !ok {
				return
			}
			outcome, err := p.Dispatch(r.Context(), e, func(context.Context) int {
				sw := &statusWriter{ResponseWriter: w}
				next.ServeHTTP(sw, r)
				return sw.Status()
			})
			respond(cfg, w, r, outcome, err)
		})
	}
}

// Handler returns a complete endpoint: it verifies each delivery, calls h, and answers
// 200 {"received":true}, or 500 when h returns an error so that OpenAI retries. It panics
// if v or h is nil.
func Handler(v *core.Verifier, h core.Handler, opts ...Option) http.Handler {
	if h == nil {
		panic("nethttp.Handler: the core.Handler is nil")
	}
	cfg := newConfig(opts)
	p := receive.New(v, cfg.Config)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, r, ok := receiveEvent(p, cfg, w, r)
		if !ok {
			return
		}
		reply := p.Handle(r.Context(), e, h)
		if reply.Err != nil {
			cfg.onError(w, r, reply.Status, reply.Err)
			return
		}
		writeJSON(w, reply.Status, reply.Body)
	})
}

// EventFrom returns the verified event Middleware stored in the request's context.
func EventFrom(r *http.Request) (*core.Event, bool) {
	return core.FromContext(r.Context())
}

// receiveEvent reads and verifies the delivery, answering the refusal itself. On success
// it returns the request carrying the event, with its body restored.
func receiveEvent(p *receive.Pipeline, cfg config, w http.ResponseWriter, r *http.Request) (*core.Event, *http.Request, bool) {
	body := http.MaxBytesReader(w, r.Body, p.MaxBodyBytes())
	e, err := p.Read(r.Context(), body, r.ContentLength, core.HeadersFrom(r.Header))
	if err != nil {
		cfg.onError(w, r, receive.Status(err), err)
		return nil, r, false
	}
	r = r.WithContext(core.NewContext(r.Context(), e))
	r.Body = io.NopCloser(bytes.NewReader(e.Raw))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(e.Raw)), nil }
	r.ContentLength = int64(len(e.Raw))
	return e, r, true
}

func respond(cfg config, w http.ResponseWriter, r *http.Request, outcome receive.Outcome, err error) {
	switch outcome {
	case receive.Duplicate:
		writeJSON(w, http.StatusOK, receive.DuplicateBody())
	case receive.Refused:
		cfg.onError(w, r, receive.Status(err), err)
	}
}

// statusWriter records the status the next handler answers, for the idempotency store.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Status returns the status written, or 200 when the handler wrote nothing (net/http's
// own default).
func (w *statusWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach Flush, Hijack and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
