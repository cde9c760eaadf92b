package echov5adapter_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/echov5adapter"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// serve serves e on loopback until the test ends and returns its base URL.
func serve(t *testing.T, e *echo.Echo) string {
	t.Helper()
	return strings.TrimSuffix(conformance.Serve(t, e), conformance.Path)
}

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

// A request the Skipper of MiddlewareWithConfig skips reaches next unverified and
// without an event, and echo's own middleware.Skipper type fits. (The skipper is no
// Option: Handler, which has no next, cannot take it.)
func TestSkipper(t *testing.T) {
	var internal middleware.Skipper = func(c *echo.Context) bool { return c.Request().Header.Get("X-Internal") == "yes" }
	_, v, _ := conformance.Keys(t)
	t.Run("MiddlewareWithConfig", func(t *testing.T) {
		testSkipper(t, echov5adapter.MiddlewareWithConfig(v, echov5adapter.Config{Skipper: internal}))
	})
}

func testSkipper(t *testing.T, mw echo.MiddlewareFunc) {
	e := echo.New()
	e.Use(mw)
	e.POST("/", func(c *echo.Context) error {
		if _, ok := echov5adapter.EventFrom(c); ok {
			t.Error("a skipped request has an event")
		}
		return c.String(http.StatusOK, "skipped")
	})
	url := serve(t, e) + "/"
	if status, body := post(t, url, "{}", map[string]string{"X-Internal": "yes"}); status != http.StatusOK || body != "skipped" {
		t.Fatalf("skipped: %d %s", status, body)
	}
	if status, body := post(t, url, "{}", nil); status != http.StatusBadRequest || !strings.Contains(body, `"error"`) {
		t.Fatalf("not skipped: %d %s, want 400 {\"error\":…}", status, body)
	}
}

// echo's own BodyLimit middleware running first keeps its 413: from Content-Length it
// answers before the adapter runs; while a chunked body is read, the adapter answers 413
// {"error":"…"} naming echo's limit.
func TestEchoBodyLimitStays413(t *testing.T) {
	_, v, s := conformance.Keys(t)
	e := echo.New()
	e.POST(conformance.Path, func(c *echo.Context) error {
		t.Error("next ran for an oversized body")
		return nil
	}, middleware.BodyLimit(100), echov5adapter.Middleware(v))
	url := conformance.Serve(t, e)

	req := conformance.SignedRequest(t, s, url, conformance.PaddedEvent(400))
	if status, body := conformance.Do(t, req); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("with Content-Length: got %d %s, want echo's 413", status, body)
	}
	req = conformance.SignedRequest(t, s, url, conformance.PaddedEvent(400))
	req.Body, req.ContentLength = io.NopCloser(io.MultiReader(req.Body)), -1
	status, body := conformance.Do(t, req)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "BodyLimit") || !strings.HasPrefix(body, `{"error":`) {
		t.Fatalf("chunked: got %d %s, want 413 {\"error\":…} naming echo's BodyLimit", status, body)
	}
}

// The next handler reads the verified body again, from Body and from GetBody, and finds
// the event in the request's context as well as with EventFrom.
func TestBodyRestoredAndEventInContext(t *testing.T) {
	_, v, s := conformance.Keys(t)
	sent := conformance.EventBody("evt_restore", core.BatchCompleted)
	e := echo.New()
	e.POST(conformance.Path, func(c *echo.Context) error {
		r := c.Request()
		body, _ := io.ReadAll(r.Body)
		again, err := r.GetBody()
		if err != nil {
			return err
		}
		body2, _ := io.ReadAll(again)
		ev, ok := echov5adapter.EventFrom(c)
		ctxEv, ctxOK := core.FromContext(r.Context())
		switch {
		case !bytes.Equal(body, sent) || !bytes.Equal(body2, sent) || r.ContentLength != int64(len(sent)):
			t.Errorf("next read %q and %q (ContentLength %d), want %q", body, body2, r.ContentLength, sent)
		case !ok || !ctxOK || ev != ctxEv || ev.ID != "evt_restore":
			t.Errorf("EventFrom gave %v %v, core.FromContext %v %v", ev, ok, ctxEv, ctxOK)
		}
		return c.NoContent(http.StatusNoContent)
	}, echov5adapter.Middleware(v))
	url := conformance.Serve(t, e)
	if status, body := conformance.Do(t, conformance.SignedRequest(t, s, url, sent)); status != http.StatusNoContent {
		t.Fatalf("got %d %s", status, body)
	}
}

// An error returned by next counts with the status echo answers for it: an
// *echo.HTTPError 503 and echo.ErrServiceUnavailable release the claim, so the retry
// runs; the retry's 200 finishes it.
func TestReturnedErrorReleasesClaim(t *testing.T) {
	for _, failure := range []error{echo.NewHTTPError(http.StatusServiceUnavailable, "try later"), echo.ErrServiceUnavailable} {
		_, v, s := conformance.Keys(t)
		calls := 0
		e := echo.New()
		e.POST(conformance.Path, func(c *echo.Context) error {
			if calls++; calls == 1 {
				return failure
			}
			return c.NoContent(http.StatusOK)
		}, echov5adapter.Middleware(v, echov5adapter.WithIdempotency(idempotency.NewMemoryStore())))
		url := conformance.Serve(t, e)
		req := conformance.SignedRequest(t, s, url, conformance.EventBody("evt_retry", core.BatchCompleted))
		if status, body := conformance.Do(t, conformance.Again(t, req)); status != http.StatusServiceUnavailable {
			t.Fatalf("%v: first attempt: %d %s", failure, status, body)
		}
		if status, body := conformance.Do(t, conformance.Again(t, req)); status != http.StatusOK || calls != 2 {
			t.Fatalf("%v: retry: %d %s after %d calls, want 200 after 2", failure, status, body, calls)
		}
		if status, body := conformance.Do(t, req); status != http.StatusOK || body != `{"received":true,"duplicate":true}` || calls != 2 {
			t.Fatalf("%v: after success: %d %s after %d calls, want the duplicate answer", failure, status, body, calls)
		}
	}
}

// WithErrorHandler may return an error for the application's HTTPErrorHandler.
func TestErrorHandlerReturnsHTTPError(t *testing.T) {
	_, v, _ := conformance.Keys(t)
	e := echo.New()
	e.HTTPErrorHandler = func(c *echo.Context, err error) {
		var he *echo.HTTPError
		if errors.As(err, &he) && errors.Is(err, core.ErrMissingHeader) {
			_ = c.String(he.Code, "app says: "+he.Message)
		}
	}
	e.POST(conformance.Path, func(*echo.Context) error { t.Error("next ran"); return nil },
		echov5adapter.Middleware(v, echov5adapter.WithErrorHandler(func(c *echo.Context, status int, err error) error {
			return echo.NewHTTPError(status, "bad webhook").Wrap(err)
		})))
	status, body := post(t, conformance.Serve(t, e), "{}", nil)
	if status != http.StatusBadRequest || body != "app says: bad webhook" {
		t.Fatalf("got %d %s", status, body)
	}
}

// A hand-built request without a body is refused like an empty one, without a panic.
func TestNilBody(t *testing.T) {
	_, v, s := conformance.Keys(t)
	e := echo.New()
	e.POST("/", func(c *echo.Context) error { return c.NoContent(http.StatusNoContent) }, echov5adapter.Middleware(v))
	req := conformance.SignedRequest(t, s, "/", conformance.PaddedEvent(400))
	req.Body = nil
	if w := conformance.Record(e, req); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "no matching webhook signature") {
		t.Fatalf("got %d %s, want 400: the empty body does not match the signature", w.Code, w.Body)
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
	echov5adapter.Handler(v, nil)
}
