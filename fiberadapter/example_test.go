package fiberadapter_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberadapter"
)

// The signing secret of the webhook endpoint, as the OpenAI dashboard shows it. Real
// code reads it from OPENAI_WEBHOOK_SECRET (core.NewVerifierFromEnv).
const secret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// Verify deliveries in front of your own handler, and read the event with EventFrom.
// The event may be kept after the handler returns: it owns copies of its bytes.
func ExampleMiddleware() {
	v, err := core.NewVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Post("/webhooks/openai", fiberadapter.Middleware(v), func(c *fiber.Ctx) error {
		e, ok := fiberadapter.EventFrom(c)
		if !ok { // only without the middleware in front
			return fiber.ErrInternalServerError
		}
		switch e.Type {
		case core.BatchCompleted:
			data, err := core.DecodeData[core.BatchData](e)
			if err != nil {
				return fiber.ErrInternalServerError // OpenAI retries
			}
			fmt.Println("batch done:", data.ID)
		default:
			fmt.Println("ignored:", e.Type)
		}
		return c.SendStatus(http.StatusNoContent)
	})

	fmt.Println(deliver(app, `{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`))
	// Output:
	// batch done: batch_1
	// 204
}

// Middleware as app-wide middleware, skipping the routes that are not webhooks, as with
// the Next field of fiber's own middleware.
func ExampleMiddlewareWithConfig() {
	v, err := core.NewVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New()
	app.Use(fiberadapter.MiddlewareWithConfig(v, fiberadapter.Config{
		Next: func(c *fiber.Ctx) bool { return c.Path() != "/webhooks/openai" },
	}))
	app.Get("/health", func(c *fiber.Ctx) error { return c.SendString("ok") })

	resp, err := app.Test(httptest.NewRequest(http.MethodGet, "/health", nil))
	if err != nil {
		log.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(b))
	// Output: 200 ok
}

// A complete endpoint: Handler dispatches to a core.Mux and answers 200
// {"received":true}.
func ExampleHandler() {
	v, err := core.NewVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	mux := core.NewMux()
	core.On(mux, core.ResponseCompleted, func(ctx context.Context, e *core.Event, data core.ResponseData) error {
		fmt.Println("response completed:", data.ID)
		return nil
	})
	app := fiber.New()
	app.Post("/webhooks/openai", fiberadapter.Handler(v, mux))

	fmt.Println(deliver(app, `{"id":"evt_2","object":"event","created_at":1750861210,"type":"response.completed","data":{"id":"resp_1"}}`))
	// Output:
	// response completed: resp_1
	// 200 {"received":true}
}

// deliver signs body as OpenAI does, posts it to app and returns the answer.
func deliver(app *fiber.App, body string) string {
	signer, err := core.NewSigner(secret)
	if err != nil {
		log.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/webhooks/openai", strings.NewReader(body))
	signer.Headers("wh_example", time.Now(), []byte(body)).Set(req.Header)
	resp, err := app.Test(req)
	if err != nil {
		log.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(fmt.Sprint(resp.StatusCode, " ", string(b)))
}
