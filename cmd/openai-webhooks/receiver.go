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
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// receiver is listen's endpoint: it reads each delivery, captures it, verifies it (and
// forwards it), and reports it to the printer and the inspector's history.
type receiver struct {
	secret    string
	path      string
	forwardTo string // "" without --forward-to
	client    *http.Client
	endpoint  http.Handler // the verifying middleware and what follows it
	out       *deliveryPrinter
	errOut    io.Writer
	capture   *captureDir // nil without --capture
	history   *history    // nil without --ui
	seen      *seenIDs    // with --forward-to: webhook-ids that verified
	seq       atomic.Int64
	now       func() time.Time
}

// maxDeliveryBytes is the body limit of the receiver, nethttp's default.
const maxDeliveryBytes = 1 << 20

// build sets up the verifying endpoint: nethttp.Middleware with an idempotency store
// that answers 200 {"received":true}, or, with --forward-to, without a store in front
// of the forward to the app.
func (rc *receiver) build(v *core.Verifier) {
	opts := []nethttp.Option{
		nethttp.WithLogger(slog.New(slog.DiscardHandler)),
		nethttp.WithObserver(statusObserver{}),
		nethttp.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, status int, err error) {
			if d := deliveryFrom(r.Context()); d != nil {
				d.Reason = err.Error()
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
		rc.client = newTargetClient(forwardTimeout)
		rc.seen = newSeenIDs(10000)
		next = forwardHandler(rc.client, rc.forwardTo)
	}
	handled := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := deliveryFrom(r.Context()); d != nil {
			d.handled = true
			d.Event, _ = nethttp.EventFrom(r)
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
	d := &delivery{N: rc.seq.Add(1), At: rc.now(), Method: r.Method, URI: r.URL.RequestURI(), Host: r.Host, Header: r.Header.Clone()}
	// Keep the raw body (up to one byte over the limit, so the middleware still sees
	// a body that is too large) and give the middleware the same bytes.
	d.Body, _ = io.ReadAll(io.LimitReader(r.Body, maxDeliveryBytes+1))
	d.Truncated = len(d.Body) > maxDeliveryBytes
	r.Body = readCloser{io.MultiReader(bytes.NewReader(d.Body), r.Body), r.Body}
	if rc.capture != nil {
		if _, err := rc.capture.save(d); err != nil {
			fmt.Fprintf(rc.errOut, "%s listen: capturing delivery #%d: %v\n", progName, d.N, err)
		}
	}
	rc.endpoint.ServeHTTP(w, r.WithContext(withDelivery(r.Context(), d)))
	switch {
	case d.handled && rc.seen != nil && rc.seen.add(d.Header.Get(core.HeaderID)):
		d.Verdict = verdictDuplicate
	case d.handled:
		d.Verdict = verdictAccepted
	case d.Reason == "" && d.Status == http.StatusOK: // the idempotency store answered
		d.Verdict = verdictDuplicate
	default:
		d.Verdict = verdictRefused
		if d.Reason == "" {
			d.Reason = fmt.Sprintf("answered %d", d.Status)
		}
		if rc.history != nil && d.Status == http.StatusBadRequest {
			d.Diagnosis = inspectorDiagnosis(rc.secret, d.Body, d.Header, d.At)
		}
	}
	rc.out.report(d)
	if rc.history != nil {
		rc.history.add(d)
	}
}

// statusObserver records on each delivery the status it was answered with, as the
// pipeline reports it: the refusal's, the duplicate's, or what the app answered.
type statusObserver struct{}

func (statusObserver) StartDelivery(ctx context.Context) context.Context { return ctx }

func (statusObserver) EndDelivery(ctx context.Context, o core.Delivery) {
	if d := deliveryFrom(ctx); d != nil {
		d.Status = o.Status
	}
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}
