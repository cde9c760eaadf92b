// Command fiber receives OpenAI webhooks in a fiber application.
//
//	OPENAI_WEBHOOK_SECRET=whsec_… go run ./examples/fiber
//
// It listens on PORT (default 3000; HOST optional): POST /webhooks/openai receives
// deliveries and GET /health answers ok. Point the endpoint of your webhook in the OpenAI
// dashboard at https://<your host>/webhooks/openai.
//
// This file is a complete program: copy it into your module as a starting point.
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

	"github.com/gofiber/fiber/v2"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberadapter"
)

// maxBodyBytes is the largest delivery accepted, by fiber and by the adapter alike
// (the adapter's default; OpenAI's events are a few hundred bytes).
const maxBodyBytes = 1 << 20

func main() {
	// Stop on Ctrl-C or SIGTERM (what Kubernetes and systemd send), finishing the
	// deliveries in progress.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
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

	app := newApp(verifier, logger)
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
	go func() { errc <- app.Listener(listener) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return app.ShutdownWithTimeout(25 * time.Second)
}

// newApp returns the application: the webhook endpoint and a health check.
func newApp(verifier *core.Verifier, logger *slog.Logger) *fiber.App {
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		ReadTimeout:           10 * time.Second, // fasthttp's read timeout covers the headers too
		WriteTimeout:          30 * time.Second, // OpenAI waits about 20 s for an answer
		IdleTimeout:           2 * time.Minute,
		BodyLimit:             maxBodyBytes,                 // refuse a larger body while reading it, not after
		ErrorHandler:          fiberadapter.AppErrorHandler, // fiber's own refusals in JSON, like the adapter's
	})
	app.Get("/health", func(c *fiber.Ctx) error { return c.SendString("ok") })
	webhooks := fiberadapter.Middleware(verifier, fiberadapter.WithLogger(logger), fiberadapter.WithMaxBodyBytes(maxBodyBytes))
	app.Post("/webhooks/openai", webhooks, func(c *fiber.Ctx) error {
		// The event is a copy: it stays valid after the handler returns.
		event, ok := fiberadapter.EventFrom(c)
		if !ok { // only when fiberadapter.Middleware is not in front of this handler
			return c.Status(fiber.StatusInternalServerError).JSON(fiber.Map{"error": "not a verified delivery"})
		}
		switch event.Type {
		case core.ResponseCompleted:
			data, err := core.DecodeData[core.ResponseData](event)
			if err != nil { // a 5xx answer makes OpenAI retry the delivery later
				logger.Error("cannot decode the event", "event_id", event.ID, "err", err)
				return c.Status(fiber.StatusInternalServerError).JSON(fiber.Map{"error": "handler failed"})
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
	return app
}
