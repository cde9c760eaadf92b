package receive

import (
	"bytes"
	"io"
	"net/http"

	"github.com/webhookkit/openai-webhooks/core"
)

// ReadRequest reads the delivery in r from body (r.Body, or a wrapper of it that the
// framework needs), verifies and parses it. On success it returns a shallow copy of r
// whose context carries the event (core.NewContext) and the delivery's observation, and
// whose Body, GetBody and ContentLength replay e.Raw, so the next handler reads the same
// bytes again; pass its context to Dispatch or Handle. For the adapters of frameworks
// built on net/http.
func (p *Pipeline) ReadRequest(r *http.Request, body io.Reader) (*core.Event, *http.Request, error) {
	h := core.HeadersFrom(r.Header)
	ctx, o := p.begin(r.Context(), h)
	e, err := p.read(ctx, o, body, r.ContentLength, h)
	if err != nil {
		return nil, r, err
	}
	r = r.WithContext(core.NewContext(ctx, e))
	r.Body = newReplay(e.Raw)
	r.GetBody = func() (io.ReadCloser, error) { return newReplay(e.Raw), nil }
	r.ContentLength = int64(len(e.Raw))
	return e, r, nil
}

// Body returns r.Body, or http.NoBody for a hand-built request without one (servers
// always set one), so adapters can wrap it in a limiting reader safely.
func Body(r *http.Request) io.ReadCloser {
	if r.Body == nil {
		return http.NoBody
	}
	return r.Body
}

// Refuse is the reply to a delivery refused with err: its status from the classification
// the pipeline made (RefusalOf), answered through the adapter's error handler.
func Refuse(err error) Reply { return Reply{Status: RefusalOf(err).Status, Err: err} }

// Answer returns the reply an adapter's middleware must send itself after Dispatch: 200
// DuplicateBody for a duplicate, or the refusal. It reports false when next ran and
// answered on its own.
func Answer(outcome Outcome, err error) (Reply, bool) {
	switch {
	case outcome == Duplicate:
		return Reply{Status: http.StatusOK, Body: DuplicateBody()}, true
	case err != nil:
		return Refuse(err), true
	default:
		return Reply{}, false
	}
}

// replay is a body that reads raw again; one allocation instead of NopCloser's two.
type replay struct{ bytes.Reader }

func newReplay(raw []byte) *replay {
	r := &replay{}
	r.Reset(raw)
	return r
}

// Close does nothing: the bytes belong to the event.
func (*replay) Close() error { return nil }

// StatusWriter records the status a handler answers (the idempotency store needs it),
// passing everything through to the ResponseWriter it wraps.
type StatusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the first final (2xx or later) status and passes it on.
func (w *StatusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 when no status was written, and passes b on.
func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// FlushError flushes the ResponseWriter it wraps. A flush sends the status (200 when
// none was written), so it counts as the answer going out: a handler that panics after
// it has answered (Sent), and nothing may be written over it.
func (w *StatusWriter) FlushError() error {
	err := http.NewResponseController(w.ResponseWriter).Flush()
	if err == nil && w.status == 0 {
		w.status = http.StatusOK
	}
	return err
}

// Flush is FlushError for handlers that assert http.Flusher.
func (w *StatusWriter) Flush() { _ = w.FlushError() }

// Sent returns the status written, or 0 when the handler wrote nothing yet: for
// Dispatch, which can still answer a handler that panicked before writing.
func (w *StatusWriter) Sent() int { return w.status }

// Status returns the status written, or 200 when the handler wrote nothing (net/http's
// own default).
func (w *StatusWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach Hijack and deadlines.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
