package echoadapter_test

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/webhookkit/openai-webhooks/echoadapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// BenchmarkMiddleware sends a genuine 400-byte delivery through Middleware to a no-op
// handler.
func BenchmarkMiddleware(b *testing.B) {
	_, v, s := conformance.Keys(b)
	e := newEcho()
	e.POST(conformance.Path, func(c echo.Context) error { return c.NoContent(http.StatusOK) }, echoadapter.Middleware(v))
	conformance.BenchHTTP(b, e, s)
}
