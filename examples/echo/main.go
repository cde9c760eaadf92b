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
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/echoadapter"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
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

	port := getenv("PORT")
	if port == "" {
		port = "3000"
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(getenv("HOST"), port))
	if err != nil {
		return err
	}
	server := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	fmt.Fprintf(stdout, "listening on %s\n", listener.Addr())
	errc := make(chan error, 1)
	go func() { errc <- server.Serve(listener) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return server.Shutdown(shutdownCtx)
}
