package fiberv3adapter_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberv3adapter"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// quiet keeps the refusals these tests provoke out of the test output.
var quiet = fiberv3adapter.WithLogger(slog.New(slog.DiscardHandler))

func post(t *testing.T, url, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return conformance.Do(t, req)
}

// A request the Next func of MiddlewareWithConfig skips reaches the next handler
// unverified and without an event. (Next is no Option: Handler, which has no next
// handler, cannot take it.)
func TestNext(t *testing.T) {
	internal := func(c fiber.Ctx) bool { return c.Get("X-Internal") == "yes" }
	_, v, _ := conformance.Keys(t)
	t.Run("MiddlewareWithConfig", func(t *testing.T) {
		testNext(t, fiberv3adapter.MiddlewareWithConfig(v, fiberv3adapter.Config{Next: internal}, quiet))
	})
}

func testNext(t *testing.T, middleware fiber.Handler) {
	app := newApp()
	app.Use(middleware)
	app.Post("/", func(c fiber.Ctx) error {
		if _, ok := fiberv3adapter.EventFrom(c); ok {
			t.Error("a skipped request has an event")
		}
		return c.SendString("skipped")
	})
	url := listen(t, app) + "/"
	if status, body := post(t, url, "{}", map[string]string{"X-Internal": "yes"}); status != http.StatusOK || body != "skipped" {
		t.Fatalf("skipped: %d %s", status, body)
	}
	if status, body := post(t, url, "{}", nil); status != http.StatusBadRequest || !strings.HasPrefix(body, `{"error":`) {
		t.Fatalf("not skipped: %d %s", status, body)
	}
}

// The signature covers the bytes on the wire: a gzip-compressed body whose signature
// was made over the uncompressed JSON is refused, because the adapter never verifies
// fiber's decompressed c.Body(); one signed over the compressed bytes passes, and the
// next handler still gets the decompressed JSON from c.Body().
func TestVerifiesWireBytesNotDecompressed(t *testing.T) {
	_, v, s := conformance.Keys(t)
	body := conformance.EventBody("evt_gzip", core.BatchCompleted)
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write(body)
	_ = zw.Close()

	app := newApp()
	app.Post(conformance.Path, fiberv3adapter.Middleware(v, quiet), func(c fiber.Ctx) error {
		return c.Send(c.Body())
	})
	url := listen(t, app) + conformance.Path

	req := conformance.SignedRequest(t, s, url, body) // signed over the JSON
	req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(zipped.Bytes())), int64(zipped.Len())
	req.Header.Set("Content-Encoding", "gzip")
	if status, got := conformance.Do(t, req); status != http.StatusBadRequest || !strings.Contains(got, core.ErrNoMatchingSignature.Error()) {
		t.Fatalf("signed over the JSON: got %d %s, want 400 no matching signature", status, got)
	}
	req = conformance.SignedRequest(t, s, url, zipped.Bytes()) // signed over the wire bytes
	req.Header.Set("Content-Encoding", "gzip")
	status, got := conformance.Do(t, req)
	// The wire bytes are not a JSON event, so the pipeline refuses them after the
	// signature matched: proof that what was verified is the compressed body.
	if status != http.StatusBadRequest || !strings.Contains(got, core.ErrMalformedEvent.Error()) {
		t.Fatalf("signed over the gzip bytes: got %d %s, want 400 malformed event", status, got)
	}
}

// rawRequest sends raw over a new loopback connection to base and returns the status
// and body of the answer.
func rawRequest(t *testing.T, base, raw string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Only the request's own header block counts: a signature sent in the trailer section of
// a chunked body is not a signature, and trailers cannot replace the header block's.
func TestTrailersIgnored(t *testing.T) {
	_, v, s := conformance.Keys(t)
	app := newApp()
	app.Post(conformance.Path, fiberv3adapter.Middleware(v, quiet), func(c fiber.Ctx) error { return c.SendString("next") })
	base := listen(t, app)
	body := conformance.EventBody("evt_trailer", core.BatchCompleted)
	h := s.Headers("wh_trailer", time.Now(), body)
	chunked := func(headerBlock, trailers string) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n%s\r\n%x\r\n%s\r\n0\r\n%s\r\n",
			conformance.Path, headerBlock, len(body), body, trailers)
	}
	id := "webhook-id: " + h.ID + "\r\nwebhook-timestamp: " + h.Timestamp + "\r\n"
	sig := "webhook-signature: " + h.Signature + "\r\n"

	if status, got := rawRequest(t, base, chunked(id+sig, "")); status != http.StatusOK || got != "next" {
		t.Fatalf("all in the header block: got %d %s, want the next handler's 200", status, got)
	}
	status, got := rawRequest(t, base, chunked(id, sig))
	if status != http.StatusBadRequest || !strings.Contains(got, core.HeaderSignature) {
		t.Fatalf("signature in the trailers: got %d %s, want 400 naming the missing webhook-signature", status, got)
	}
	status, got = rawRequest(t, base, chunked(id+"webhook-signature: v1,"+strings.Repeat("A", 44)+"\r\n", sig))
	if status != http.StatusBadRequest || !strings.Contains(got, core.ErrNoMatchingSignature.Error()) {
		t.Fatalf("a wrong signature in the header block, the right one in the trailers: got %d %s, want 400 no matching signature", status, got)
	}
}

// The event is stored in c.Locals (EventFrom) and in c.Context() (core.FromContext), and
// it may outlive the request: everything it keeps is a copy.
func TestEventInContextAndKept(t *testing.T) {
	_, v, s := conformance.Keys(t)
	kept := make(chan *core.Event, 2)
	app := newApp()
	app.Post(conformance.Path, fiberv3adapter.Middleware(v, quiet), func(c fiber.Ctx) error {
		e, ok := fiberv3adapter.EventFrom(c)
		ctxE, ctxOK := core.FromContext(c.Context())
		if !ok || !ctxOK || e != ctxE {
			t.Errorf("EventFrom %v %v, core.FromContext %v %v: want the same event", e, ok, ctxE, ctxOK)
		}
		kept <- e
		return c.SendStatus(http.StatusNoContent)
	})
	url := listen(t, app) + conformance.Path
	first := conformance.SignedRequest(t, s, url, conformance.EventBody("evt_first", core.BatchCompleted))
	want := core.HeadersFrom(first.Header)
	if status, body := conformance.Do(t, first); status != http.StatusNoContent {
		t.Fatalf("first: %d %s", status, body)
	}
	second := conformance.SignedRequest(t, s, url, conformance.EventBody("evt_other", core.BatchFailed))
	if status, body := conformance.Do(t, second); status != http.StatusNoContent {
		t.Fatalf("second: %d %s", status, body)
	}
	e := <-kept
	if e.ID != "evt_first" || e.Headers != want || e.WebhookID != want.ID || !bytes.Equal(e.Raw, conformance.EventBody("evt_first", core.BatchCompleted)) {
		t.Fatalf("the first event changed after later requests: %s %+v %q", e.ID, e.Headers, e.Raw)
	}
}

// A *fiber.Error returned by the next handler counts with its code: a 503 releases the
// claim, and the retry runs.
func TestFiberErrorReleasesClaim(t *testing.T) {
	_, v, s := conformance.Keys(t)
	calls := 0
	app := newApp()
	app.Post(conformance.Path, fiberv3adapter.Middleware(v, quiet, fiberv3adapter.WithIdempotency(idempotency.NewMemoryStore())), func(c fiber.Ctx) error {
		if calls++; calls == 1 {
			return fiber.NewError(http.StatusServiceUnavailable, "try later")
		}
		return c.SendStatus(http.StatusOK)
	})
	url := listen(t, app) + conformance.Path
	req := conformance.SignedRequest(t, s, url, conformance.EventBody("evt_retry", core.BatchCompleted))
	if status, got := conformance.Do(t, conformance.Again(t, req)); status != http.StatusServiceUnavailable {
		t.Fatalf("first attempt: %d %s", status, got)
	}
	if status, got := conformance.Do(t, req); status != http.StatusOK || calls != 2 {
		t.Fatalf("retry: %d %s after %d calls, want 200 after 2", status, got, calls)
	}
}

// WithErrorHandler may return a *fiber.Error for the application's ErrorHandler.
func TestErrorHandlerReturnsFiberError(t *testing.T) {
	_, v, _ := conformance.Keys(t)
	app := newApp(fiber.Config{ErrorHandler: func(c fiber.Ctx, err error) error {
		var fe *fiber.Error
		if !errors.As(err, &fe) {
			return c.SendStatus(http.StatusTeapot)
		}
		return c.Status(fe.Code).SendString("app says: " + fe.Message)
	}})
	app.Post("/", fiberv3adapter.Middleware(v, quiet, fiberv3adapter.WithErrorHandler(func(c fiber.Ctx, status int, err error) error {
		return fiber.NewError(status, "bad webhook")
	})), func(fiber.Ctx) error { t.Error("next ran"); return nil })
	status, got := post(t, listen(t, app)+"/", "{}", nil)
	if status != http.StatusBadRequest || got != "app says: bad webhook" {
		t.Fatalf("got %d %s", status, got)
	}
}

// AppErrorHandler answers fiber's own refusals, made before any handler runs, and the
// errors handlers return, with {"error":"<fixed message>"} and the right status, never
// with fiber's error text.
func TestAppErrorHandler(t *testing.T) {
	_, v, s := conformance.Keys(t)
	const limit = 1024
	app := newApp(fiber.Config{ErrorHandler: fiberv3adapter.AppErrorHandler, BodyLimit: limit})
	app.Post(conformance.Path, fiberv3adapter.Handler(v, core.HandlerFunc(func(context.Context, *core.Event) error { return nil }), quiet, fiberv3adapter.WithMaxBodyBytes(limit)))
	app.Post("/boom", func(fiber.Ctx) error { return errors.New("db password is hunter2") })
	app.Post("/teapot", func(fiber.Ctx) error { return fiber.NewError(http.StatusTeapot, "internal detail") })
	base := listen(t, app)

	over := conformance.SignedRequest(t, s, base+conformance.Path, conformance.PaddedEvent(limit+1))
	chunkedOver := conformance.SignedRequest(t, s, base+conformance.Path, conformance.PaddedEvent(limit+1))
	chunkedOver.Body, chunkedOver.ContentLength = io.NopCloser(io.MultiReader(chunkedOver.Body)), -1
	tests := []struct {
		name   string
		do     func() (int, string)
		status int
		body   string
	}{
		{"Content-Length over BodyLimit", func() (int, string) { return conformance.Do(t, over) }, 413, `{"error":"the request body is over the server's limit"}`},
		{"chunked body over BodyLimit", func() (int, string) { return conformance.Do(t, chunkedOver) }, 413, `{"error":"the request body is over the server's limit"}`},
		{"headers over ReadBufferSize", func() (int, string) {
			return post(t, base+conformance.Path, "{}", map[string]string{"X-Big": strings.Repeat("a", 20<<10)})
		}, 431, `{"error":"the request headers are too large"}`},
		{"malformed request", func() (int, string) {
			return rawRequest(t, base, "POST "+conformance.Path+" HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
		}, 400, `{"error":"malformed HTTP request"}`},
		{"handler error", func() (int, string) { return post(t, base+"/boom", "", nil) }, 500, `{"error":"internal server error"}`},
		{"*fiber.Error", func() (int, string) { return post(t, base+"/teapot", "", nil) }, 418, `{"error":"i'm a teapot"}`},
		{"no route", func() (int, string) { return post(t, base+"/nowhere", "", nil) }, 404, `{"error":"not found"}`},
	}
	for _, tc := range tests {
		if status, body := tc.do(); status != tc.status || body != tc.body {
			t.Errorf("%s: got %d %s, want %d %s", tc.name, status, body, tc.status, tc.body)
		}
	}
}

// Handler panics at set-up on a nil core.Handler, with a message naming it.
func TestHandlerNilPanics(t *testing.T) {
	_, v, _ := conformance.Keys(t)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "core.Handler is nil") {
			t.Fatalf("recovered %v, want a panic naming the nil core.Handler", r)
		}
	}()
	fiberv3adapter.Handler(v, nil)
}
