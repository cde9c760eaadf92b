// Command nethttp receives OpenAI webhooks with the standard library's net/http.
//
//	OPENAI_WEBHOOK_SECRET=whsec_… go run ./examples/nethttp
//
// It listens on PORT (default 3000; HOST optional): POST /webhooks/openai receives
// deliveries and GET /health answers ok. Point the endpoint of your webhook in the OpenAI
// dashboard at https://<your host>/webhooks/openai.
//
// This file is a complete program: copy it into your module as a starting point.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

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

	server := &http.Server{
		Handler:           newRoutes(verifier, logger),
		ReadHeaderTimeout: 5 * time.Second, // a slow client cannot hold a connection open
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second, // OpenAI waits about 20 s for an answer
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
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
	go func() { errc <- server.Serve(listener) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newRoutes returns the application's routes: the webhook endpoint and a health check.
func newRoutes(verifier *core.Verifier, logger *slog.Logger) http.Handler {
	webhook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		event, ok := nethttp.EventFrom(r)
		if !ok { // only when nethttp.Middleware is not in front of this handler
			http.Error(w, `{"error":"not a verified delivery"}`, http.StatusInternalServerError)
			return
		}
		switch event.Type {
		case core.ResponseCompleted:
			data, err := core.DecodeData[core.ResponseData](event)
			if err != nil { // a 5xx answer makes OpenAI retry the delivery later
				logger.Error("cannot decode the event", "event_id", event.ID, "err", err)
				http.Error(w, `{"error":"handler failed"}`, http.StatusInternalServerError)
				return
			}
			logger.Info("response completed", "response_id", data.ID)
		case core.BatchCompleted, core.BatchFailed, core.BatchExpired, core.BatchCancelled:
			logger.Info("batch finished", "type", event.Type, "event_id", event.ID)
		default:
			// OpenAI adds event types over time: acknowledge the ones you do not handle.
			logger.Info("event not handled", "type", event.Type, "event_id", event.ID)
		}
		// Answer within about 20 s; hand long work to a queue.
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"received":true}`)
	})
	routes := http.NewServeMux()
	routes.Handle("POST /webhooks/openai", nethttp.Middleware(verifier, nethttp.WithLogger(logger))(webhook))
	routes.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	return routes
}
