package echoadapter_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/echoadapter"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// A request the Skipper of MiddlewareWithConfig skips reaches next unverified and
// without an event. (The skipper is no Option: Handler, which has no next, cannot take
// it.)
func TestSkipper(t *testing.T) {
	internal := func(c echo.Context) bool { return c.Request().Header.Get("X-Internal") == "yes" }
	_, v, _ := conformance.Keys(t)
	t.Run("MiddlewareWithConfig", func(t *testing.T) {
		testSkipper(t, echoadapter.MiddlewareWithConfig(v, echoadapter.Config{Skipper: internal}))
	})
}

func testSkipper(t *testing.T, middleware echo.MiddlewareFunc) {
	e := newEcho()
	e.Use(middleware)
	e.POST("/", func(c echo.Context) error {
		if _, ok := echoadapter.EventFrom(c); ok {
			t.Error("a skipped request has an event")
		}
		return c.String(http.StatusOK, "skipped")
	})
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	req.Header.Set("X-Internal", "yes")
	if w := conformance.Record(e, req); w.Code != http.StatusOK || w.Body.String() != "skipped" {
		t.Fatalf("skipped: %d %s", w.Code, w.Body)
	}
	if w := conformance.Record(e, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))); w.Code != http.StatusBadRequest {
		t.Fatalf("not skipped: %d %s", w.Code, w.Body)
	}
}

// echo's own BodyLimit middleware running first keeps its 413: from Content-Length it
// answers before the adapter runs; while a chunked body is read, the adapter answers 413
// {"error":"…"} naming echo's limit.
func TestEchoBodyLimitStays413(t *testing.T) {
	_, v, s := conformance.Keys(t)
	e := newEcho()
	e.POST("/", func(c echo.Context) error {
		t.Error("next ran for an oversized body")
		return nil
	}, middleware.BodyLimit("100B"), echoadapter.Middleware(v))

	req := conformance.SignedRequest(t, s, "/", conformance.PaddedEvent(400))
	if w := conformance.Record(e, req); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("with Content-Length: got %d %s, want echo's 413", w.Code, w.Body)
	}
	req = conformance.SignedRequest(t, s, "/", conformance.PaddedEvent(400))
	req.Body, req.ContentLength = io.NopCloser(io.MultiReader(req.Body)), -1
	if w := conformance.Record(e, req); w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "BodyLimit") {
		t.Fatalf("chunked: got %d %s, want 413 naming echo's BodyLimit", w.Code, w.Body)
	}
}

// An *echo.HTTPError returned by next counts with its code: a 503 releases the claim.
func TestHTTPErrorReleasesClaim(t *testing.T) {
	_, v, s := conformance.Keys(t)
	calls := 0
	e := newEcho()
	e.POST("/", func(c echo.Context) error {
		if calls++; calls == 1 {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "try later")
		}
		return c.NoContent(http.StatusOK)
	}, echoadapter.Middleware(v, echoadapter.WithIdempotency(idempotency.NewMemoryStore())))
	req := conformance.SignedRequest(t, s, "/", conformance.EventBody("evt_retry", core.BatchCompleted))
	if w := conformance.Record(e, conformance.Again(t, req)); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("first attempt: %d %s", w.Code, w.Body)
	}
	if w := conformance.Record(e, req); w.Code != http.StatusOK || calls != 2 {
		t.Fatalf("retry: %d %s after %d calls, want 200 after 2", w.Code, w.Body, calls)
	}
}

// WithErrorHandler may return an error for the application's HTTPErrorHandler.
func TestErrorHandlerReturnsHTTPError(t *testing.T) {
	_, v, _ := conformance.Keys(t)
	e := newEcho()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			_ = c.String(he.Code, "app says: "+he.Message.(string))
		}
	}
	e.POST("/", func(echo.Context) error { t.Error("next ran"); return nil },
		echoadapter.Middleware(v, echoadapter.WithErrorHandler(func(c echo.Context, status int, err error) error {
			return echo.NewHTTPError(status, "bad webhook").SetInternal(err)
		})))
	w := conformance.Record(e, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}")))
	if w.Code != http.StatusBadRequest || w.Body.String() != "app says: bad webhook" {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
}

// A hand-built request without a body is refused like an empty one, without a panic.
func TestNilBody(t *testing.T) {
	_, v, s := conformance.Keys(t)
	e := newEcho()
	e.POST("/", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }, echoadapter.Middleware(v))
	req := conformance.SignedRequest(t, s, "/", conformance.PaddedEvent(400))
	req.Body = nil
	if w := conformance.Record(e, req); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "no matching webhook signature") {
		t.Fatalf("got %d %s, want 400: the empty body does not match the signature", w.Code, w.Body)
	}
}
