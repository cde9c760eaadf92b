// Package listener is listen's receiver: it verifies, forwards, captures and reports each delivery.
package listener

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

// MaxBodyBytes is the body limit of the receiver, nethttp's default.
const MaxBodyBytes = 1 << 20

// ForwardTimeout bounds one forward to the app: below the write timeout of listen's
// server (30 s), so the sender gets a 502 rather than a cut connection.
const ForwardTimeout = 25 * time.Second

// Config is what a Receiver verifies with and where its deliveries go.
type Config struct {
	Secret    string         // the signing secret: replays re-sign with it
	Verifier  *core.Verifier // made from Secret
	Path      string         // the path deliveries are POSTed to
	ForwardTo string         // the app's URL; "" answers {"received":true} itself
	Capture   *capture.Dir   // nil captures nothing
	// Report is given each delivery once it is answered (and each replay), never changed
	// afterwards.
	Report func(d *inspector.Delivery)
	// Ignored is told of a request to another path or with another method.
	Ignored func(r *http.Request, status int, why string)
	// Problem is told what went wrong on listen's side (a capture not written).
	Problem func(err error)
	Now     func() time.Time
}

// Receiver is listen's endpoint. Safe for concurrent use.
type Receiver struct {
	cfg      Config
	client   *http.Client // forwards and replays, with ForwardTo
	endpoint http.Handler // the verifying middleware and what follows it
	seen     *seenIDs     // with ForwardTo: webhook-ids that verified
	seq      atomic.Int64
}

// New returns the receiver of cfg: nethttp.Middleware with an idempotency store that
// answers 200 {"received":true}, or, with ForwardTo, without a store in front of the
// forward to the app.
func New(cfg Config) *Receiver {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Report == nil {
		cfg.Report = func(*inspector.Delivery) {}
	}
	if cfg.Ignored == nil {
		cfg.Ignored = func(*http.Request, int, string) {}
	}
	if cfg.Problem == nil {
		cfg.Problem = func(error) {}
	}
	rc := &Receiver{cfg: cfg}
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
	if cfg.ForwardTo == "" {
		opts = append(opts, nethttp.WithIdempotency(idempotency.NewMemoryStore()))
		next = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			WriteJSON(w, http.StatusOK, []byte(`{"received":true}`))
		})
	} else {
		rc.client = forward.NewClient(ForwardTimeout)
		rc.seen = newSeenIDs(10000)
		next = forwardHandler(rc.client, cfg.ForwardTo)
	}
	handled := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := pendingFrom(r.Context()); p != nil {
			p.handled = true
			p.d.Event, _ = nethttp.EventFrom(r)
		}
		next.ServeHTTP(w, r)
	})
	rc.endpoint = nethttp.Middleware(cfg.Verifier, opts...)(handled)
	return rc
}

// ServeHTTP handles one request to the receiver.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != rc.cfg.Path {
		rc.cfg.Ignored(r, http.StatusNotFound, "this receiver answers POST "+rc.cfg.Path)
		nethttp.WriteError(w, r, http.StatusNotFound, errors.New("not found: this receiver answers POST "+rc.cfg.Path))
		return
	}
	if r.Method != http.MethodPost {
		rc.cfg.Ignored(r, http.StatusMethodNotAllowed, "webhooks are POSTed")
		w.Header().Set("Allow", http.MethodPost)
		nethttp.WriteError(w, r, http.StatusMethodNotAllowed, errors.New("method not allowed: webhooks are POSTed"))
		return
	}
	d := &inspector.Delivery{N: rc.seq.Add(1), At: rc.cfg.Now(), Method: r.Method, URI: r.URL.RequestURI(), Host: r.Host, Header: r.Header.Clone()}
	// Keep the raw body (up to one byte over the limit, so the middleware still sees
	// a body that is too large) and give the middleware the same bytes.
	d.Body, _ = io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	d.Truncated = len(d.Body) > MaxBodyBytes
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
	if rc.cfg.Capture != nil {
		// After the verdict: a refused delivery's capture counts against the budget.
		req := capture.Request{Method: d.Method, URI: d.URI, Host: d.Host, Header: d.Header, Body: d.Body}
		if _, err := rc.cfg.Capture.Save(d.N, d.At, req, d.Verdict == inspector.Refused); err != nil {
			rc.cfg.Problem(fmt.Errorf("capturing delivery #%d: %w", d.N, err))
		}
	}
	rc.cfg.Report(d)
}

// genuineRefusal reports whether a delivery refused with err still carries a signature
// that verifies under the secret: refused for its age, or for a body that is not an
// event (which is parsed after the signature is checked). Every other refusal is a
// forgery, another secret's delivery or an unreadable one, and is never re-signed.
func (rc *Receiver) genuineRefusal(d *inspector.Delivery, err error) bool {
	switch {
	case err == nil || d.Truncated:
		return false
	case errors.Is(err, core.ErrMalformedEvent):
		return true
	case errors.Is(err, core.ErrTimestampTooOld), errors.Is(err, core.ErrTimestampTooNew):
		// One verification, as a fresh forgery costs: never more work than the refusal.
		return rc.cfg.Verifier.VerifyIgnoringTimestamp(d.Body, core.HeadersFrom(d.Header)) == nil
	default:
		return false
	}
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

// WriteJSON answers status with a JSON body.
func WriteJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
