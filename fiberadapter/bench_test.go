package fiberadapter_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberadapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// BenchmarkMiddleware sends a genuine 400-byte delivery through Middleware to a no-op
// handler, calling fiber's fasthttp handler directly.
func BenchmarkMiddleware(b *testing.B) {
	_, v, s := conformance.Keys(b)
	app := newApp()
	app.Post(conformance.Path, fiberadapter.Middleware(v), func(c *fiber.Ctx) error { return c.SendStatus(http.StatusOK) })
	handler := app.Handler()

	body := conformance.PaddedEvent(conformance.BenchBodySize)
	var req fasthttp.Request
	req.Header.SetMethod(http.MethodPost)
	req.SetRequestURI(conformance.Path)
	req.Header.SetContentType("application/json")
	h := s.Headers(core.NewWebhookID(), time.Now(), body)
	req.Header.Set(core.HeaderID, h.ID)
	req.Header.Set(core.HeaderTimestamp, h.Timestamp)
	req.Header.Set(core.HeaderSignature, h.Signature)
	req.SetBody(body)
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, nil, nil)

	b.ReportAllocs()
	for b.Loop() {
		ctx.Response.Reset()
		handler(&ctx)
		if status := ctx.Response.StatusCode(); status != http.StatusOK {
			b.Fatalf("the handler answered %d: %s", status, ctx.Response.Body())
		}
	}
}
