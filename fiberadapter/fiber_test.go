package fiberadapter_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberadapter"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

func send(t *testing.T, app *fiber.App, req *http.Request) (int, string) {
	t.Helper()
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A request the Next func of MiddlewareWithConfig skips reaches the next handler
// unverified and without an event. (Next is no Option: Handler, which has no next
// handler, cannot take it.)
func TestNext(t *testing.T) {
	internal := func(c *fiber.Ctx) bool { return c.Get("X-Internal") == "yes" }
	_, v, _ := conformance.Keys(t)
	t.Run("MiddlewareWithConfig", func(t *testing.T) {
		testNext(t, fiberadapter.MiddlewareWithConfig(v, fiberadapter.Config{Next: internal}))
	})
}

func testNext(t *testing.T, middleware fiber.Handler) {
	app := newApp()
	app.Use(middleware)
	app.Post("/", func(c *fiber.Ctx) error {
		if _, ok := fiberadapter.EventFrom(c); ok {
			t.Error("a skipped request has an event")
		}
		return c.SendString("skipped")
	})
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	req.Header.Set("X-Internal", "yes")
	if status, body := send(t, app, req); status != http.StatusOK || body != "skipped" {
		t.Fatalf("skipped: %d %s", status, body)
	}
	if status, body := send(t, app, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))); status != http.StatusBadRequest {
		t.Fatalf("not skipped: %d %s", status, body)
	}
}

// The signature covers the bytes on the wire: a gzip-compressed body whose signature
// was made over the uncompressed JSON is refused, because the adapter never verifies
// fiber's decompressed c.Body().
func TestVerifiesWireBytesNotDecompressed(t *testing.T) {
	_, v, s := conformance.Keys(t)
	app := newApp()
	app.Post("/", fiberadapter.Middleware(v), func(c *fiber.Ctx) error { return c.SendString("next") })
	body := conformance.EventBody("evt_gzip", core.BatchCompleted)
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write(body)
	_ = zw.Close()
	req := conformance.SignedRequest(t, s, "/", body) // signed over the JSON
	req.Body, req.ContentLength = io.NopCloser(&zipped), int64(zipped.Len())
	req.Header.Set("Content-Encoding", "gzip")
	status, got := send(t, app, req)
	if status != http.StatusBadRequest || !strings.Contains(got, core.ErrNoMatchingSignature.Error()) {
		t.Fatalf("got %d %s, want 400 no matching signature", status, got)
	}
}

// A *fiber.Error returned by the next handler counts with its code: a 503 releases the
// claim, and the retry runs.
func TestFiberErrorReleasesClaim(t *testing.T) {
	_, v, s := conformance.Keys(t)
	calls := 0
	app := newApp()
	app.Post("/", fiberadapter.Middleware(v, fiberadapter.WithIdempotency(idempotency.NewMemoryStore())), func(c *fiber.Ctx) error {
		if calls++; calls == 1 {
			return fiber.NewError(http.StatusServiceUnavailable, "try later")
		}
		return c.SendStatus(http.StatusOK)
	})
	req := conformance.SignedRequest(t, s, "/", conformance.EventBody("evt_retry", core.BatchCompleted))
	if status, got := send(t, app, conformance.Again(t, req)); status != http.StatusServiceUnavailable {
		t.Fatalf("first attempt: %d %s", status, got)
	}
	if status, got := send(t, app, req); status != http.StatusOK || calls != 2 {
		t.Fatalf("retry: %d %s after %d calls, want 200 after 2", status, got, calls)
	}
}

// WithErrorHandler may return a *fiber.Error for the application's ErrorHandler.
func TestErrorHandlerReturnsFiberError(t *testing.T) {
	_, v, _ := conformance.Keys(t)
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: func(c *fiber.Ctx, err error) error {
		var fe *fiber.Error
		if !errors.As(err, &fe) {
			return c.SendStatus(http.StatusTeapot)
		}
		return c.Status(fe.Code).SendString("app says: " + fe.Message)
	}})
	app.Post("/", fiberadapter.Middleware(v, fiberadapter.WithErrorHandler(func(c *fiber.Ctx, status int, err error) error {
		return fiber.NewError(status, "bad webhook")
	})), func(*fiber.Ctx) error { t.Error("next ran"); return nil })
	status, got := send(t, app, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}")))
	if status != http.StatusBadRequest || got != "app says: bad webhook" {
		t.Fatalf("got %d %s", status, got)
	}
}
