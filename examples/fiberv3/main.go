// Command fiberv3 receives OpenAI webhooks in a fiber v3 application.
//
//	OPENAI_WEBHOOK_SECRET=whsec_… go run ./examples/fiberv3
//
// It listens on PORT (default 3000; HOST optional): POST /webhooks/openai receives
// deliveries and GET /health answers ok. Point the endpoint of your webhook in the OpenAI
// dashboard at https://<your host>/webhooks/openai. SIGINT or SIGTERM shut it down
// gracefully, letting deliveries in progress finish.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberv3adapter"
)

// maxBodyBytes bounds a delivery (OpenAI's are a few hundred bytes): fiber refuses a
// larger body itself, before reading it, and the adapter enforces the same limit.
const maxBodyBytes = 1 << 20

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		stop()
		os.Exit(1)
	}
}

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	verifier, err := core.NewVerifier(getenv(core.EnvSecret)) // the endpoint's whsec_… signing secret
	if err != nil {
		return fmt.Errorf("%s: %w", core.EnvSecret, err) // says what is wrong: empty, not base64, too short, …
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))

	app := fiber.New(fiber.Config{
		// fiber's own refusals (body over BodyLimit, headers too large, malformed
		// requests) answered {"error":"…"} like the adapter's, never with fiber's text.
		ErrorHandler: fiberv3adapter.AppErrorHandler,
		BodyLimit:    maxBodyBytes,
		ReadTimeout:  10 * time.Second, // fasthttp's read timeout covers the headers too
		WriteTimeout: 30 * time.Second, // OpenAI waits about 20 s for an answer
		IdleTimeout:  2 * time.Minute,
	})
	app.Get("/health", func(c fiber.Ctx) error { return c.SendString("ok") })
	webhook := fiberv3adapter.Middleware(verifier,
		fiberv3adapter.WithLogger(logger),
		fiberv3adapter.WithMaxBodyBytes(maxBodyBytes))
	app.Post("/webhooks/openai", webhook, func(c fiber.Ctx) error {
		event, _ := fiberv3adapter.EventFrom(c) // the event stays valid after the handler returns
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

	port := getenv("PORT")
	if port == "" {
		port = "3000"
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(getenv("HOST"), port))
	if err != nil {
		return fmt.Errorf("listen on port %s: %w (set PORT to a free port)", port, err)
	}
	fmt.Fprintf(stdout, "listening on %s\n", listener.Addr())
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(listener, fiber.ListenConfig{DisableStartupMessage: true}) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, and give deliveries in progress up to 10 s to finish.
	return app.ShutdownWithTimeout(10 * time.Second)
}
