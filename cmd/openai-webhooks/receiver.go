package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/capture"
	"github.com/webhookkit/openai-webhooks/internal/forward"
	"github.com/webhookkit/openai-webhooks/internal/inspector"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// receiver is listen's endpoint: it reads each delivery, verifies it (and forwards it),
// captures it, and reports it to the printer and the inspector.
type receiver struct {
	secret    string
	verifier  *core.Verifier
	path      string
	forwardTo string // "" without --forward-to
	client    *http.Client
	endpoint  http.Handler // the verifying middleware and what follows it
	out       *deliveryPrinter
	errOut    io.Writer
	capture   *capture.Dir         // nil without --capture
	inspector *inspector.Inspector // nil without --ui
	seen      *seenIDs             // with --forward-to: webhook-ids that verified
	seq       atomic.Int64
	now       func() time.Time
}

// maxDeliveryBytes is the body limit of the receiver, nethttp's default.
const maxDeliveryBytes = 1 << 20

// build sets up the verifying endpoint: nethttp.Middleware with an idempotency store
// that answers 200 {"received":true}, or, with --forward-to, without a store in front
// of the forward to the app.
func (rc *receiver) build(v *core.Verifier) {
	rc.verifier = v
	opts := []nethttp.Option{
		nethttp.WithLogger(slog.New(slog.DiscardHandler)),
		nethttp.WithObserver(statusObserver{}),
		nethttp.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, status int, err error) {
			if p := pendingFrom(r.Context()); p != nil {
				p.d.Reason, p.err = err.Error(), err
			}
			nethttp.WriteError(w, r, status, err)
		}),
	}
	var next http.Handler
	if rc.forwardTo == "" {
		opts = append(opts, nethttp.WithIdempotency(idempotency.NewMemoryStore()))
		next = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeJSONBody(w, http.StatusOK, []byte(`{"received":true}`))
		})
	} else {
		rc.client = forward.NewClient(forwardTimeout)
		rc.seen = newSeenIDs(10000)
		next = forwardHandler(rc.client, rc.forwardTo)
	}
	handled := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := pendingFrom(r.Context()); p != nil {
			p.handled = true
			p.d.Event, _ = nethttp.EventFrom(r)
		}
		next.ServeHTTP(w, r)
	})
	rc.endpoint = nethttp.Middleware(v, opts...)(handled)
}

// ServeHTTP handles one request to the receiver.
func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != rc.path {
		rc.out.ignored(r, http.StatusNotFound, "this receiver answers POST "+rc.path)
		nethttp.WriteError(w, r, http.StatusNotFound, errors.New("not found: this receiver answers POST "+rc.path))
		return
	}
	if r.Method != http.MethodPost {
		rc.out.ignored(r, http.StatusMethodNotAllowed, "webhooks are POSTed")
		w.Header().Set("Allow", http.MethodPost)
		nethttp.WriteError(w, r, http.StatusMethodNotAllowed, errors.New("method not allowed: webhooks are POSTed"))
		return
	}
	d := &inspector.Delivery{N: rc.seq.Add(1), At: rc.now(), Method: r.Method, URI: r.URL.RequestURI(), Host: r.Host, Header: r.Header.Clone()}
	// Keep the raw body (up to one byte over the limit, so the middleware still sees
	// a body that is too large) and give the middleware the same bytes.
	d.Body, _ = io.ReadAll(io.LimitReader(r.Body, maxDeliveryBytes+1))
	d.Truncated = len(d.Body) > maxDeliveryBytes
	r.Body = readCloser{io.MultiReader(bytes.NewReader(d.Body), r.Body), r.Body}
	p := &pending{d: d}
	rc.endpoint.ServeHTTP(w, r.WithContext(withPending(r.Context(), p)))
	switch {
	case p.handled && rc.seen != nil && rc.seen.add(d.Header.Get(core.HeaderID)):
		d.Verdict = inspector.Duplicate
	case p.handled:
		d.Verdict = inspector.Accepted
	case d.Reason == "" && d.Status == http.StatusOK: // the idempotency store answered
		d.Verdict = inspector.Duplicate
	default:
		d.Verdict = inspector.Refused
		if d.Reason == "" {
			d.Reason = fmt.Sprintf("answered %d", d.Status)
		}
	}
	d.Genuine = d.Verdict != inspector.Refused || rc.genuineRefusal(d, p.err)
	if rc.capture != nil {
		// After the verdict: a refused delivery's capture counts against the budget.
		if _, err := rc.capture.Save(d.N, d.At, captureRequest(d), d.Verdict == inspector.Refused); err != nil {
			fmt.Fprintf(rc.errOut, "%s listen: capturing delivery #%d: %v\n", progName, d.N, err)
		}
	}
	rc.out.report(d)
	if rc.inspector != nil {
		rc.inspector.Add(d)
	}
}

// genuineRefusal reports whether a delivery refused with err still carries a signature
// that verifies under the secret: refused for its age, or for a body that is not an
// event (which is parsed after the signature is checked). Every other refusal is a
// forgery, another secret's delivery or an unreadable one, and is never re-signed.
func (rc *receiver) genuineRefusal(d *inspector.Delivery, err error) bool {
	switch {
	case err == nil || d.Truncated:
		return false
	case errors.Is(err, core.ErrMalformedEvent):
		return true
	case errors.Is(err, core.ErrTimestampTooOld), errors.Is(err, core.ErrTimestampTooNew):
		// One verification, as a fresh forgery costs: never more work than the refusal.
		return rc.verifier.VerifyIgnoringTimestamp(d.Body, core.HeadersFrom(d.Header)) == nil
	default:
		return false
	}
}

func captureRequest(d *inspector.Delivery) capture.Request {
	return capture.Request{Method: d.Method, URI: d.URI, Host: d.Host, Header: d.Header, Body: d.Body}
}

// statusObserver records on each delivery the status it was answered with, as the
// pipeline reports it: the refusal's, the duplicate's, or what the app answered.
type statusObserver struct{}

func (statusObserver) StartDelivery(ctx context.Context) context.Context { return ctx }

func (statusObserver) EndDelivery(ctx context.Context, o core.Delivery) {
	if p := pendingFrom(ctx); p != nil {
		p.d.Status = o.Status
	}
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}
