// Command echo receives OpenAI webhooks in an echo application.
//
//	OPENAI_WEBHOOK_SECRET=whsec_… go run ./examples/echo
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
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/echoadapter"
	"github.com/webhookkit/openai-webhooks/examples/internal/exampleserver"
)

func main() { exampleserver.Main(run) }

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	verifier, err := core.NewVerifier(getenv(core.EnvSecret)) // the endpoint's whsec_… signing secret
	if err != nil {
		return fmt.Errorf("%s: %w", core.EnvSecret, err) // says what is wrong: empty, not base64, too short, …
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/health", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.POST("/webhooks/openai", func(c echo.Context) error {
		event, _ := echoadapter.EventFrom(c)
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
		return c.JSON(http.StatusOK, map[string]bool{"received": true})
	}, echoadapter.Middleware(verifier, echoadapter.WithLogger(logger)))

	return exampleserver.Serve(ctx, getenv, stdout, e)
}
