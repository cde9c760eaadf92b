package otelwebhooks_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gofiber/fiber/v2"
	fiberv3 "github.com/gofiber/fiber/v3"
	"github.com/labstack/echo/v4"
	echov5 "github.com/labstack/echo/v5"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/codes"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/echoadapter"
	"github.com/webhookkit/openai-webhooks/echov5adapter"
	"github.com/webhookkit/openai-webhooks/fiberadapter"
	"github.com/webhookkit/openai-webhooks/fiberv3adapter"
	"github.com/webhookkit/openai-webhooks/ginadapter"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/redisstore"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/otelwebhooks"
)

// maxBody is the body limit of every server of these tests.
const maxBody = 1024

// setup is the configuration of one server under test.
type setup struct {
	obs   core.Observer
	store idempotency.Store
}

// app is the application behind an adapter: it answers a delivery with a status.
type app func(ctx context.Context, e *core.Event) int

// adapter mounts one adapter on its framework, on a real loopback server.
type adapter struct {
	name string
	// middleware serves POST conformance.Path with the adapter's Middleware in front of
	// a handler that answers what app returns.
	middleware func(t *testing.T, v *core.Verifier, s setup, app app) string
	// handler serves POST conformance.Path with the adapter's Handler around app, which
	// fails when app returns a non-2xx status.
	handler func(t *testing.T, v *core.Verifier, s setup, app app) string
	// readsBodyFirst: the framework reads the whole body before any handler runs
	// (fasthttp), so a connection that fails while sending the body never reaches the
	// adapter.
	readsBodyFirst bool
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// options converts s into an adapter's options.
func options[O any](s setup, maxBytes func(int64) O, withStore func(idempotency.Store, ...idempotency.ClaimOption) O,
	withLogger func(*slog.Logger) O, withObserver func(core.Observer) O) []O {
	opts := []O{maxBytes(maxBody), withLogger(quiet), withObserver(s.obs)}
	if s.store != nil {
		opts = append(opts, withStore(s.store))
	}
	return opts
}

func coreHandler(a app) core.Handler {
	return core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		if status := a(ctx, e); status < 200 || status > 299 {
			return fmt.Errorf("the application answered %d", status)
		}
		return nil
	})
}

func adapters() []adapter {
	serveMux := func(t *testing.T, h http.Handler) string {
		mux := http.NewServeMux()
		mux.Handle("POST "+conformance.Path, h)
		return conformance.Serve(t, mux)
	}
	netOpts := func(s setup) []nethttp.Option {
		return options(s, nethttp.WithMaxBodyBytes, nethttp.WithIdempotency, nethttp.WithLogger, nethttp.WithObserver)
	}
	ginOpts := func(s setup) []ginadapter.Option {
		return options(s, ginadapter.WithMaxBodyBytes, ginadapter.WithIdempotency, ginadapter.WithLogger, ginadapter.WithObserver)
	}
	echoOpts := func(s setup) []echoadapter.Option {
		return options(s, echoadapter.WithMaxBodyBytes, echoadapter.WithIdempotency, echoadapter.WithLogger, echoadapter.WithObserver)
	}
	fiberOpts := func(s setup) []fiberadapter.Option {
		return options(s, fiberadapter.WithMaxBodyBytes, fiberadapter.WithIdempotency, fiberadapter.WithLogger, fiberadapter.WithObserver)
	}
	echov5Opts := func(s setup) []echov5adapter.Option {
		return options(s, echov5adapter.WithMaxBodyBytes, echov5adapter.WithIdempotency, echov5adapter.WithLogger, echov5adapter.WithObserver)
	}
	fiberv3Opts := func(s setup) []fiberv3adapter.Option {
		return options(s, fiberv3adapter.WithMaxBodyBytes, fiberv3adapter.WithIdempotency, fiberv3adapter.WithLogger, fiberv3adapter.WithObserver)
	}
	gin.SetMode(gin.ReleaseMode)
	return []adapter{
		{
			name: "nethttp",
			middleware: func(t *testing.T, v *core.Verifier, s setup, a app) string {
				return serveMux(t, nethttp.Middleware(v, netOpts(s)...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					e, _ := nethttp.EventFrom(r)
					w.WriteHeader(a(r.Context(), e))
				})))
			},
			handler: func(t *testing.T, v *core.Verifier, s setup, a app) string {
				return serveMux(t, nethttp.Handler(v, coreHandler(a), netOpts(s)...))
			},
		},
		{
			name: "gin",
			middleware: func(t *testing.T, v *core.Verifier, s setup, a app) string {
				r := gin.New()
				r.POST(conformance.Path, ginadapter.Middleware(v, ginOpts(s)...), func(c *gin.Context) {
					e, _ := ginadapter.EventFrom(c)
					c.Status(a(c.Request.Context(), e))
				})
				return conformance.Serve(t, r)
			},
			handler: func(t *testing.T, v *core.Verifier, s setup, a app) string {
				r := gin.New()
				r.POST(conformance.Path, ginadapter.Handler(v, coreHandler(a), ginOpts(s)...))
				return conformance.Serve(t, r)
			},
		},
		{
			name: "echo",
			middleware: func(t *testing.T, v *core.Verifier, s setup, a app) string {
				e := echo.New()
				e.POST(conformance.Path, func(c echo.Context) error {
					ev, _ := echoadapter.EventFrom(c)
					return c.NoContent(a(c.Request().Context(), ev))
				}, echoadapter.Middleware(v, echoOpts(s)...))
				return conformance.Serve(t, e)
			},
			handler: func(t *testing.T, v *core.Verifier, s setup, a app) string {
				e := echo.New()
				e.POST(conformance.Path, echoadapter.Handler(v, coreHandler(a), echoOpts(s)...))
				return conformance.Serve(t, e)
			},
		},
		{
			name:           "fiber",
			readsBodyFirst: true,
			middleware: func(t *testing.T, v *core.Verifier, s setup, a app) string {
				f := fiber.New(fiber.Config{DisableStartupMessage: true})
				f.Post(conformance.Path, fiberadapter.Middleware(v, fiberOpts(s)...), func(c *fiber.Ctx) error {
					e, _ := fiberadapter.EventFrom(c)
					return c.SendStatus(a(c.UserContext(), e))
				})
				return listenFiber(t, f)
			},
			handler: func(t *testing.T, v *core.Verifier, s setup, a app) string {
				f := fiber.New(fiber.Config{DisableStartupMessage: true})
				f.Post(conformance.Path, fiberadapter.Handler(v, coreHandler(a), fiberOpts(s)...))
				return listenFiber(t, f)
			},
		},
		{
			name: "echov5",
			middleware: func(t *testing.T, v *core.Verifier, s setup, a app) string {
				e := echov5.New()
				e.POST(conformance.Path, func(c *echov5.Context) error {
					ev, _ := echov5adapter.EventFrom(c)
					return c.NoContent(a(c.Request().Context(), ev))
				}, echov5adapter.Middleware(v, echov5Opts(s)...))
				return conformance.Serve(t, e)
			},
			handler: func(t *testing.T, v *core.Verifier, s setup, a app) string {
				e := echov5.New()
				e.POST(conformance.Path, echov5adapter.Handler(v, coreHandler(a), echov5Opts(s)...))
				return conformance.Serve(t, e)
			},
		},
		{
			name:           "fiberv3",
			readsBodyFirst: true,
			middleware: func(t *testing.T, v *core.Verifier, s setup, a app) string {
				f := fiberv3.New()
				f.Post(conformance.Path, fiberv3adapter.Middleware(v, fiberv3Opts(s)...), func(c fiberv3.Ctx) error {
					e, _ := fiberv3adapter.EventFrom(c)
					return c.SendStatus(a(c.Context(), e))
				})
				return listenFiberV3(t, f)
			},
			handler: func(t *testing.T, v *core.Verifier, s setup, a app) string {
				f := fiberv3.New()
				f.Post(conformance.Path, fiberv3adapter.Handler(v, coreHandler(a), fiberv3Opts(s)...))
				return listenFiberV3(t, f)
			},
		},
	}
}

func listenFiberV3(t *testing.T, f *fiberv3.App) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.Listener(ln, fiberv3.ListenConfig{DisableStartupMessage: true}) }()
	t.Cleanup(func() {
		if err := f.Shutdown(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + ln.Addr().String() + conformance.Path
}

func listenFiber(t *testing.T, f *fiber.App) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.Listener(ln) }()
	t.Cleanup(func() {
		if err := f.Shutdown(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + ln.Addr().String() + conformance.Path
}

// signalling passes deliveries on to an Observer and reports each end on ended: a test
// reads the metrics only once the delivery it sent is recorded, which may be after the
// answer reached the client.
type signalling struct {
	*otelwebhooks.Observer
	ended chan struct{}
}

func (s *signalling) EndDelivery(ctx context.Context, d core.Delivery) {
	s.Observer.EndDelivery(ctx, d)
	s.ended <- struct{}{}
}

// wait waits for n deliveries to end.
func (s *signalling) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-s.ended:
		case <-time.After(10 * time.Second):
			t.Fatal("the observer was not told of the delivery's end within 10 s")
		}
	}
}

// TestAdapters sends a delivery of every outcome and every refusal reason to every
// adapter, in Middleware and Handler mode, over loopback HTTP, and checks after each
// that the counter grew by exactly one in the expected series and that the delivery's
// span says what happened.
func TestAdapters(t *testing.T) {
	_, v, signer := conformance.Keys(t)
	_, _, other := conformance.Keys(t)
	for _, ad := range adapters() {
		for _, mode := range []string{"Middleware", "Handler"} {
			t.Run(ad.name+"/"+mode, func(t *testing.T) {
				start := ad.handler
				if mode == "Middleware" {
					start = ad.middleware
				}
				testAdapter(t, ad, start, v, signer, other)
			})
		}
	}
}

func testAdapter(t *testing.T, ad adapter, start func(*testing.T, *core.Verifier, setup, app) string, v *core.Verifier, signer, other *core.Signer) {
	tm := newTelemetry(t)
	obs := &signalling{Observer: tm.obs, ended: make(chan struct{}, 16)}
	entered, release := make(chan struct{}), make(chan struct{})
	url := start(t, v, setup{obs: obs, store: idempotency.NewMemoryStore()}, func(ctx context.Context, e *core.Event) int {
		switch e.ID {
		case "evt_fail":
			return http.StatusInternalServerError
		case "evt_unhandled":
			// A Mux without a handler for the type marks the event unhandled.
			if err := core.NewMux().HandleEvent(ctx, e); err != nil {
				return http.StatusInternalServerError
			}
		case "evt_slow":
			close(entered)
			<-release
		}
		return http.StatusOK
	})

	wantCounts := map[string]int64{}
	wantHandler := map[string]uint64{}
	spans := 0
	// check sends req (unless nil), waits for its delivery to be recorded, and checks
	// the metrics and the delivery's span; status 0: the answer is not known.
	check := func(name string, req *http.Request, status int, outcome core.Outcome, reason core.Reason, typ core.EventType) {
		t.Helper()
		if req != nil {
			if got, body := conformance.Do(t, req); got != status {
				t.Fatalf("%s: answered %d %s, want %d", name, got, body, status)
			}
		}
		obs.wait(t, 1)
		labels := want(outcome, reason, typ)
		wantCounts[labels]++
		if outcome == core.OutcomeHandled || outcome == core.OutcomeUnhandled || reason == core.ReasonHandlerError {
			wantHandler[labels]++
		}
		m := tm.collect(t)
		if !maps.Equal(m.deliveries, wantCounts) {
			t.Fatalf("%s: deliveries\ngot  %v\nwant %v", name, m.deliveries, wantCounts)
		}
		gotHandler := map[string]uint64{}
		for l, p := range m.handler {
			gotHandler[l] = p.count
		}
		if !maps.Equal(gotHandler, wantHandler) {
			t.Fatalf("%s: handler duration points\ngot  %v\nwant %v", name, gotHandler, wantHandler)
		}
		ended := tm.spans.Ended()
		spans++
		if len(ended) != spans {
			t.Fatalf("%s: %d spans ended, want %d", name, len(ended), spans)
		}
		s := ended[len(ended)-1]
		attrs := spanAttrs(s)
		if s.Name() != otelwebhooks.SpanName || attrs["outcome"] != string(outcome) || attrs["reason"] != string(reason) || attrs["event_type"] != string(typ) ||
			(status != 0 && attrs["http.response.status_code"] != fmt.Sprint(status)) {
			t.Errorf("%s: span %q with %v, want outcome %q, reason %q, event type %q, status %d", name, s.Name(), attrs, outcome, reason, typ, status)
		}
		if req != nil && attrs["webhook_id"] != req.Header.Get(core.HeaderID) {
			t.Errorf("%s: span webhook_id %q, want the header's %q", name, attrs["webhook_id"], req.Header.Get(core.HeaderID))
		}
		if (s.Status().Code == codes.Error) != (outcome == core.OutcomeRefused || outcome == core.OutcomeFailed) || s.Status().Description != string(reason) {
			t.Errorf("%s: span status %v %q", name, s.Status().Code, s.Status().Description)
		}
	}
	signed := func(body []byte) *http.Request { return conformance.SignedRequest(t, signer, url, body) }
	event := func(id string, typ core.EventType) *http.Request { return signed(conformance.EventBody(id, typ)) }
	at := func(ts time.Time) *http.Request {
		r := event("evt_time", core.BatchCompleted)
		body, _ := r.GetBody()
		b, _ := io.ReadAll(body)
		signer.Headers(r.Header.Get(core.HeaderID), ts, b).Set(r.Header)
		return r
	}
	with := func(r *http.Request, header, value string) *http.Request {
		if value == "" {
			r.Header.Del(header)
		} else {
			r.Header.Set(header, value)
		}
		return r
	}

	check("handled", event("evt_ok", core.BatchCompleted), 200, core.OutcomeHandled, "", core.BatchCompleted)
	check("unknown type", event("evt_new", "future.thing"), 200, core.OutcomeHandled, "", "future.thing")
	check("no handler in the Mux", event("evt_unhandled", core.BatchExpired), 200, core.OutcomeUnhandled, "", core.BatchExpired)
	first := event("evt_twice", core.ResponseCompleted)
	check("first of two", first, 200, core.OutcomeHandled, "", core.ResponseCompleted)
	check("duplicate", conformance.Again(t, first), 200, core.OutcomeDuplicate, "", core.ResponseCompleted)
	check("handler error", event("evt_fail", core.ResponseFailed), 500, core.OutcomeFailed, core.ReasonHandlerError, core.ResponseFailed)
	check("missing header", with(event("evt_x", core.BatchCompleted), core.HeaderSignature, ""), 400, core.OutcomeRefused, core.ReasonMissingHeader, "")
	check("invalid timestamp", with(event("evt_x", core.BatchCompleted), core.HeaderTimestamp, "soon"), 400, core.OutcomeRefused, core.ReasonInvalidTimestamp, "")
	check("too old", at(time.Now().Add(-time.Hour)), 400, core.OutcomeRefused, core.ReasonTimestampTooOld, "")
	check("too new", at(time.Now().Add(time.Hour)), 400, core.OutcomeRefused, core.ReasonTimestampTooNew, "")
	check("malformed signature header", with(event("evt_x", core.BatchCompleted), core.HeaderSignature, "not-a-signature"), 400, core.OutcomeRefused, core.ReasonInvalidSignatureHeader, "")
	check("another secret", conformance.SignedRequest(t, other, url, conformance.EventBody("evt_x", core.BatchCompleted)), 400, core.OutcomeRefused, core.ReasonNoMatchingSignature, "")
	check("not an event", signed([]byte("hello")), 400, core.OutcomeRefused, core.ReasonMalformedEvent, "")
	check("too large", signed(conformance.PaddedEvent(maxBody+1)), 413, core.OutcomeRefused, core.ReasonBodyTooLarge, "")

	// The same delivery twice at once: the second is in flight while the first runs.
	slow := event("evt_slow", core.BatchCompleted)
	firstDone := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(slow)
		if err != nil {
			firstDone <- 0
			return
		}
		resp.Body.Close()
		firstDone <- resp.StatusCode
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the slow delivery never reached the application")
	}
	check("in flight", conformance.Again(t, slow), 409, core.OutcomeInFlight, "", core.BatchCompleted)
	close(release)
	if status := <-firstDone; status != 200 {
		t.Fatalf("the slow delivery was answered %d, want 200", status)
	}
	check("slow one handled", nil, 200, core.OutcomeHandled, "", core.BatchCompleted)

	if !ad.readsBodyFirst {
		sendTruncated(t, url, signer)
		check("body unreadable", nil, 0, core.OutcomeRefused, core.ReasonBodyUnreadable, "")
	}

	// An idempotency store that cannot be reached: a real Redis client, on a closed port.
	down := &signalling{Observer: tm.obs, ended: obs.ended}
	downURL := start(t, v, setup{obs: down, store: redisstore.New(unreachableRedis(t))}, func(context.Context, *core.Event) int { return 200 })
	check("store unavailable", conformance.SignedRequest(t, signer, downURL, conformance.EventBody("evt_down", core.BatchFailed)), 503,
		core.OutcomeFailed, core.ReasonStoreUnavailable, core.BatchFailed)
}

// sendTruncated sends a signed delivery whose connection closes after part of the body.
func sendTruncated(t *testing.T, url string, signer *core.Signer) {
	t.Helper()
	body := conformance.EventBody("evt_cut", core.BatchCompleted)
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), conformance.Path)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	h := signer.Headers(core.NewWebhookID(), time.Now(), body)
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s: %s\r\n%s: %s\r\n%s: %s\r\n\r\n%s",
		conformance.Path, addr, len(body), core.HeaderID, h.ID, core.HeaderTimestamp, h.Timestamp, core.HeaderSignature, h.Signature, body[:len(body)/2])
}

// unreachableRedis returns a client of a loopback port nothing listens on.
func unreachableRedis(t *testing.T) *redis.Client {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() {
		if err := client.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
			t.Error(err)
		}
	})
	return client
}
