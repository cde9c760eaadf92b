package fiberadapter_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberadapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// http.ErrAbortHandler means something only to a net/http server; fasthttp does not
// recover panics, so re-raising it would take the whole process down. Under fiber it is
// a panic like any other: recovered and answered 500, in Handler and Middleware.
func TestAbortHandlerPanicAnswered500(t *testing.T) {
	_, v, s := conformance.Keys(t)
	quiet := fiberadapter.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	for name, route := range map[string][]fiber.Handler{
		"Handler":    {fiberadapter.Handler(v, core.HandlerFunc(func(context.Context, *core.Event) error { panic(http.ErrAbortHandler) }), quiet)},
		"Middleware": {fiberadapter.Middleware(v, quiet), func(*fiber.Ctx) error { panic(http.ErrAbortHandler) }},
	} {
		t.Run(name, func(t *testing.T) {
			escaped := false
			app := newApp()
			app.Use(func(c *fiber.Ctx) error { // what the process would die of, without fiber's recover
				defer func() {
					if recover() != nil {
						escaped = true
					}
				}()
				return c.Next()
			})
			app.Post("/", route...)
			status, body := send(t, app, conformance.SignedRequest(t, s, "/", conformance.EventBody("evt_abort", core.BatchCompleted)))
			if escaped || status != http.StatusInternalServerError {
				t.Fatalf("escaped %v, got %d %s; want the panic recovered and answered 500", escaped, status, body)
			}
		})
	}
}
