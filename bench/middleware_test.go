package bench

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/webhookkit/openai-webhooks/bench/internal/fixture"
	"github.com/webhookkit/openai-webhooks/bench/internal/servers"
	"github.com/webhookkit/openai-webhooks/core"
)

// middlewareCase is one framework, served in-process without a network: the adapter's
// Middleware in front of a no-op handler, or the bare equivalent whose handler only
// reads the body. serve handles one delivery and returns the status answered.
type middlewareCase struct {
	framework string
	new       func(tb testing.TB, v *core.Verifier) (serve func(d *fixture.Delivery) int)
}

// middlewareCases are the frameworks, in the order of the tables.
var middlewareCases = []middlewareCase{
	{"nethttp", newNetHTTPCase},
	{"gin", newGinCase},
	{"echo", newEchoCase},
	{"echov5", newEchoV5Case},
	{"fiber", newFiberCase},
	{"fiberv3", newFiberV3Case},
}

// BenchmarkMiddleware measures one valid 400-byte delivery through each adapter's
// middleware and through the bare server of the same framework, in-process. The
// difference in allocs/op and ns/op is the middleware's cost, including verification,
// parsing the event, and restoring the body.
func BenchmarkMiddleware(b *testing.B) {
	v, err := core.NewVerifier(fixture.Secret, core.WithTolerance(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	d := fixture.NewDelivery(fixture.EventBody(400, 1), fixture.WebhookID(1), time.Now(), 1, true)
	for _, c := range middlewareCases {
		for _, kind := range []string{"bare", "middleware"} {
			b.Run("framework="+c.framework+"/server="+kind, func(b *testing.B) {
				var verifier *core.Verifier
				if kind == "middleware" {
					verifier = v
				}
				serve := c.new(b, verifier)
				if status := serve(&d); status != http.StatusOK {
					b.Fatalf("status %d", status)
				}
				b.ReportAllocs()
				b.SetBytes(int64(len(d.Body)))
				var status int
				measure(b, func() error { status = serve(&d); return nil }, func(error) bool { return status == http.StatusOK })
			})
		}
	}
}

// TestMiddlewareCases checks that every case of BenchmarkMiddleware answers 200 to a
// valid delivery and, with the middleware, 400 to a forged one, so the benchmark
// measures what it claims to.
func TestMiddlewareCases(t *testing.T) {
	v, err := core.NewVerifier(fixture.Secret, core.WithTolerance(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	good := fixture.NewDelivery(fixture.EventBody(400, 1), fixture.WebhookID(1), time.Now(), 1, true)
	forged := fixture.NewDelivery(fixture.EventBody(400, 1), fixture.WebhookID(1), time.Now(), 1, false)
	for _, c := range middlewareCases {
		t.Run(c.framework, func(t *testing.T) {
			for range 3 { // reused requests and contexts must stay correct
				if status := c.new(t, nil)(&good); status != http.StatusOK {
					t.Fatalf("bare: status %d", status)
				}
				serve := c.new(t, v)
				if status := serve(&good); status != http.StatusOK {
					t.Fatalf("middleware, valid delivery: status %d", status)
				}
				if status := serve(&forged); status != http.StatusBadRequest {
					t.Fatalf("middleware, forged delivery: status %d", status)
				}
				if status := serve(&good); status != http.StatusOK {
					t.Fatalf("middleware, valid delivery after a forged one: status %d", status)
				}
			}
		})
	}
}

// rewindBody is a request body that can be reset to the same bytes without allocating,
// so that the harness itself adds nothing per request.
type rewindBody struct{ bytes.Reader }

func (*rewindBody) Close() error { return nil }

// newRequest returns a POST servers.Path request and a function that arms it with a
// delivery's body and headers before each use.
func newRequest() (*http.Request, func(d *fixture.Delivery)) {
	req := httptest.NewRequest(http.MethodPost, servers.Path, nil)
	body := &rewindBody{}
	return req, func(d *fixture.Delivery) {
		body.Reset(d.Body)
		req.Body = body
		req.ContentLength = int64(len(d.Body))
		req.Header = d.HTTP
	}
}

func newNetHTTPCase(_ testing.TB, v *core.Verifier) func(d *fixture.Delivery) int {
	return serveRecorded(servers.NetHTTP(v))
}

// serveRecorded serves d through h with a fresh httptest.ResponseRecorder, the same
// harness for net/http, gin and echo.
func serveRecorded(h http.Handler) func(d *fixture.Delivery) int {
	req, arm := newRequest()
	return func(d *fixture.Delivery) int {
		arm(d)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
}

func newGinCase(_ testing.TB, v *core.Verifier) func(d *fixture.Delivery) int {
	return serveRecorded(servers.Gin(v))
}

func newEchoCase(_ testing.TB, v *core.Verifier) func(d *fixture.Delivery) int {
	return serveRecorded(servers.Echo(v))
}

func newEchoV5Case(_ testing.TB, v *core.Verifier) func(d *fixture.Delivery) int {
	return serveRecorded(servers.EchoV5(v))
}

// newFiberCase calls the app's fasthttp handler directly with one reused RequestCtx, as
// fasthttp's server does for the requests of one connection.
func newFiberCase(_ testing.TB, v *core.Verifier) func(d *fixture.Delivery) int {
	return serveFasthttp(servers.Fiber(v).Handler())
}

// newFiberV3Case is newFiberCase for fiber v3.
func newFiberV3Case(_ testing.TB, v *core.Verifier) func(d *fixture.Delivery) int {
	return serveFasthttp(servers.FiberV3(v).Handler())
}

// serveFasthttp serves d through handler, the same harness for fiber v2 and v3.
func serveFasthttp(handler fasthttp.RequestHandler) func(d *fixture.Delivery) int {
	ctx := &fasthttp.RequestCtx{}
	ctx.Init(&fasthttp.Request{}, nil, nil)
	return func(d *fixture.Delivery) int {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod(http.MethodPost)
		ctx.Request.SetRequestURI(servers.Path)
		ctx.Request.Header.SetContentType("application/json")
		ctx.Request.Header.Set(core.HeaderID, d.Core.ID)
		ctx.Request.Header.Set(core.HeaderTimestamp, d.Core.Timestamp)
		ctx.Request.Header.Set(core.HeaderSignature, d.Core.Signature)
		ctx.Request.SetBody(d.Body)
		handler(ctx)
		return ctx.Response.StatusCode()
	}
}
