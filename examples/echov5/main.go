// Command echov5 receives OpenAI webhooks in an echo v5 application.
//
//	OPENAI_WEBHOOK_SECRET=whsec_… go run ./examples/echov5
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
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/echov5adapter"
)

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

	e := echo.New()
	e.Logger = logger
	e.GET("/health", func(c *echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.POST("/webhooks/openai", func(c *echo.Context) error {
		event, _ := echov5adapter.EventFrom(c)
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
	}, echov5adapter.Middleware(verifier, echov5adapter.WithLogger(logger)))

	port := getenv("PORT")
	if port == "" {
		port = "3000"
	}
	start := echo.StartConfig{
		Address:    net.JoinHostPort(getenv("HOST"), port),
		HideBanner: true,
		HidePort:   true,
		ListenerAddrFunc: func(addr net.Addr) {
			fmt.Fprintf(stdout, "listening on %s\n", addr)
		},
		BeforeServeFunc: func(s *http.Server) error {
			s.ReadHeaderTimeout = 5 * time.Second // a slow client cannot hold a connection open
			s.ReadTimeout = 10 * time.Second
			s.WriteTimeout = 30 * time.Second // OpenAI waits about 20 s for an answer
			s.IdleTimeout = 2 * time.Minute
			return nil
		},
		GracefulTimeout: 10 * time.Second, // when ctx is done, in-flight deliveries get this long
	}
	if err := start.Start(ctx, e); err != nil {
		return fmt.Errorf("serve on port %s: %w (set PORT to a free port)", port, err)
	}
	return nil
}
