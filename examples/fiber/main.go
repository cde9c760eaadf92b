// Command fiber receives OpenAI webhooks in a fiber application.
//
//	OPENAI_WEBHOOK_SECRET=whsec_… go run ./examples/fiber
//
// It listens on PORT (default 3000; HOST optional): POST /webhooks/openai receives
// deliveries and GET /health answers ok. Point the endpoint of your webhook in the OpenAI
// dashboard at https://<your host>/webhooks/openai.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/examples/internal/exampleserver"
	"github.com/webhookkit/openai-webhooks/fiberadapter"
)

func main() { exampleserver.Main(run) }

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	verifier, err := core.NewVerifier(getenv(core.EnvSecret)) // the endpoint's whsec_… signing secret
	if err != nil {
		return fmt.Errorf("%s: %w", core.EnvSecret, err) // says what is wrong: empty, not base64, too short, …
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))

	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		ReadTimeout:           10 * time.Second, // fasthttp's read timeout covers the headers too
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
	})
	app.Get("/health", func(c *fiber.Ctx) error { return c.SendString("ok") })
	app.Post("/webhooks/openai", fiberadapter.Middleware(verifier, fiberadapter.WithLogger(logger)), func(c *fiber.Ctx) error {
		event, _ := fiberadapter.EventFrom(c) // the event stays valid after the handler returns
		switch event.Type {
		case core.ResponseCompleted:
			data, err := core.DecodeData[core.ResponseData](event)
			if err != nil {
				return err // answered 500: OpenAI retries the delivery later
			}
			logger.Info("response completed", "response_id", data.ID)
		case core.BatchCompleted, core.BatchFailed, core.BatchExpired, core.BatchCancelled:
			logger.Info("batch finished", "type", event.Type, "event_id", event.ID)
		default:
			// OpenAI adds event types over time: acknowledge the ones you do not handle.
			logger.Info("event not handled", "type", event.Type, "event_id", event.ID)
		}
		// Answer within about 20 s; hand long work to a queue.
		return c.JSON(fiber.Map{"received": true})
	})

	listener, err := exampleserver.Listen(getenv, stdout)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(listener) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return app.ShutdownWithTimeout(10 * time.Second)
}
