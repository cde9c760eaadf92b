package fiberv3adapter_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/gofiber/fiber/v3"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberv3adapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// http.ErrAbortHandler means something only to a net/http server; fasthttp does not
// recover panics, so re-raising it would take the whole process down. Under fiber it is
// a panic like any other: recovered and answered 500, in Handler and Middleware.
func TestAbortHandlerPanicAnswered500(t *testing.T) {
	_, v, s := conformance.Keys(t)
	for name, route := range map[string][]any{
		"Handler":    {fiberv3adapter.Handler(v, core.HandlerFunc(func(context.Context, *core.Event) error { panic(http.ErrAbortHandler) }), quiet)},
		"Middleware": {fiberv3adapter.Middleware(v, quiet), func(fiber.Ctx) error { panic(http.ErrAbortHandler) }},
	} {
		t.Run(name, func(t *testing.T) {
			escaped := false
			app := newApp()
			app.Use(func(c fiber.Ctx) error { // what the process would die of, without fiber's recover
				defer func() {
					if recover() != nil {
						escaped = true
					}
				}()
				return c.Next()
			})
			app.Post("/", route[0], route[1:]...)
			resp, err := app.Test(conformance.SignedRequest(t, s, "/", conformance.EventBody("evt_abort", core.BatchCompleted)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			status, body := resp.StatusCode, string(b)
			if escaped || status != http.StatusInternalServerError {
				t.Fatalf("escaped %v, got %d %s; want the panic recovered and answered 500", escaped, status, body)
			}
		})
	}
}
