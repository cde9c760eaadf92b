// Package conformance is the one test suite every adapter runs, so that all of them
// (nethttp, ginadapter, echoadapter for echo v4, echov5adapter, fiberadapter for fiber v2,
// fiberv3adapter, lambdaadapter) answer every situation of the design table with the same
// status and body. A test of this package fails when one of them stops running the suite.
//
// An adapter's test gives Run a Driver: two small functions that start a real server on
// loopback, one with the adapter's Middleware in front of a handler the suite controls
// (Next), one with the adapter's Handler around a core.Handler. An adapter without
// middleware (lambdaadapter) gives only Handler, and says so with NoMiddleware. The suite then sends
// signed, forged, stale, oversized and duplicate deliveries over real HTTP, to both
// modes, each without and with an idempotency store.
package conformance

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
)

// Path is the route drivers serve the webhook endpoint on (POST).
const Path = "/webhook"

// NextBody is the body drivers answer with when Next returns a plain Answer.
const NextBody = "next"

// Options is the configuration of one server under test. Drivers turn it into their
// adapter's options with AdapterOptions.
type Options struct {
	MaxBodyBytes int64             // 0 keeps the adapter's default
	Store        idempotency.Store // nil: no idempotency
	Logger       *slog.Logger      // always set by the suite
	Diagnosis    bool              // the adapter's WithDiagnosis
	Observer     core.Observer     // nil: none (the adapter's WithObserver)
}

// AdapterOptions converts o into an adapter's options, given the adapter's
// WithMaxBodyBytes, WithIdempotency, WithLogger, WithDiagnosis and WithObserver. The list
// starts with the zero option, so that every case also checks that it changes nothing.
func AdapterOptions[O any](o Options,
	maxBodyBytes func(int64) O,
	withIdempotency func(idempotency.Store, ...idempotency.ClaimOption) O,
	withLogger func(*slog.Logger) O,
	withDiagnosis func() O,
	withObserver func(core.Observer) O,
) []O {
	var zero O
	opts := []O{zero, withLogger(o.Logger)}
	if o.Observer != nil {
		opts = append(opts, withObserver(o.Observer))
	}
	if o.Diagnosis {
		opts = append(opts, withDiagnosis())
	}
	if o.MaxBodyBytes > 0 {
		opts = append(opts, maxBodyBytes(o.MaxBodyBytes))
	}
	if o.Store != nil {
		opts = append(opts, withIdempotency(o.Store))
	}
	return opts
}

// Next is the application handler behind an adapter's Middleware. A driver calls it with
// what its framework offers the handler: the request's context.Context (fiber:
// c.UserContext()), the result of the adapter's EventFrom, and the whole body as the handler
// reads it (fiber: c.Body()). It returns what the handler answers.
type Next func(ctx context.Context, e *core.Event, ok bool, body []byte) Answer

// Answer is what the handler behind Middleware answers: Status with the body NextBody,
// or, when Fail is set, a failure the framework's own way, which it answers 500: a
// returned plain error (echo, fiber), c.AbortWithError(500, err) (gin), a written 500
// (net/http).
type Answer struct {
	Status int
	Fail   bool
	// Mark, when set, is called with the event before answering: how the handler took
	// it (core.Event.MarkDuplicate, MarkUnhandled).
	Mark func(*core.Event)
	// Err, when set, is the error Handler's core.Handler fails with (errApplication
	// otherwise).
	Err error
	// Panic makes the application panic (with PanicValue) instead of answering; drivers
	// need not do anything for it: the suite's Next and core.Handler panic themselves.
	Panic bool
}

// PanicValue is what the application panics with when an Answer says Panic.
const PanicValue = "conformance: the application panicked"

// Driver starts servers of one adapter for the suite. Both functions register cleanup
// with t, and return the full URL of the endpoint, served at Path on 127.0.0.1.
type Driver struct {
	// Middleware serves POST Path with the adapter's Middleware(v, opts…) in front of a
	// handler that calls next.
	Middleware func(t *testing.T, v *core.Verifier, o Options, next Next) string
	// Handler serves POST Path with the adapter's Handler(v, h, opts…).
	Handler func(t *testing.T, v *core.Verifier, o Options, h core.Handler) string
	// NoMiddleware marks an adapter that has no Middleware, only a complete endpoint
	// (lambdaadapter: a Lambda function answers by returning, so there is no next
	// handler to run). Middleware must then be nil, and only Handler's cases run.
	NoMiddleware bool
}

// Serve serves h with an httptest.Server on loopback until the test ends and returns the
// URL of Path on it. Drivers of net/http based frameworks route Path themselves.
func Serve(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + Path
}

// Run runs every case against d; each is a subtest with servers of its own.
func Run(t *testing.T, d Driver) {
	switch {
	case d.Handler == nil:
		t.Fatal("conformance: the driver needs Handler")
	case d.Middleware == nil && !d.NoMiddleware:
		t.Fatal("conformance: the driver needs Middleware, or NoMiddleware for an adapter without one")
	case d.Middleware != nil && d.NoMiddleware:
		t.Fatal("conformance: the driver gives Middleware but says NoMiddleware")
	}
	f := newFixture(t)
	for _, m := range modes(d) {
		t.Run(m.name, func(t *testing.T) {
			for _, idempotent := range []bool{false, true} {
				m := m
				m.idempotent = idempotent
				t.Run(variantName(idempotent), func(t *testing.T) {
					for _, c := range deliveryCases() {
						t.Run(c.name, func(t *testing.T) { runDeliveryCase(t, f, m, c) })
					}
					t.Run("every known event type", func(t *testing.T) { testKnownTypes(t, f, m) })
					t.Run("next fails", func(t *testing.T) { testNextFails(t, f, m) })
					t.Run("next panics", func(t *testing.T) { testPanics(t, f, m) })
					t.Run("taken as marked", func(t *testing.T) { testMarked(t, f, m) })
					t.Run("concurrent", func(t *testing.T) { testConcurrent(t, f, m) })
					t.Run("diagnosis", func(t *testing.T) { testDiagnosis(t, f, m) })
					if idempotent {
						t.Run("idempotency", func(t *testing.T) { testIdempotency(t, f, m) })
					} else {
						t.Run("wire", func(t *testing.T) { testWire(t, f, m) })
					}
				})
			}
		})
	}
	f.checkLogs(t)
}

// variantName names the subtests of a mode without and with an idempotency store.
func variantName(idempotent bool) string {
	if idempotent {
		return "with idempotency"
	}
	return "without idempotency"
}
