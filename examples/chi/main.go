// Command chi receives OpenAI webhooks in a chi (v5) application. chi is built on
// net/http, so package nethttp's Middleware is chi middleware as it is: here it guards a
// route group, and the rest of the router is untouched.
//
//	OPENAI_WEBHOOK_SECRET=whsec_… go run ./examples/chi
//
// It listens on PORT (default 3000; HOST optional): POST /webhooks/openai receives
// deliveries and GET /health answers ok. Point the endpoint of your webhook in the OpenAI
// dashboard at https://<your host>/webhooks/openai. SIGINT or SIGTERM shut it down
// gracefully, letting deliveries in progress finish.
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

	"github.com/go-chi/chi/v5"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
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

	r := chi.NewRouter()
	r.Get("/health", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	r.Route("/webhooks", func(r chi.Router) {
		// Every route of this group receives verified deliveries only.
		r.Use(nethttp.Middleware(verifier, nethttp.WithLogger(logger)))
		r.Post("/openai", func(w http.ResponseWriter, r *http.Request) {
			event, _ := nethttp.EventFrom(r)
			switch event.Type {
			case core.ResponseCompleted:
				data, err := core.DecodeData[core.ResponseData](event)
				if err != nil { // a 5xx answer makes OpenAI retry the delivery later
					logger.Error("undecodable event", "event_id", event.ID, "error", err)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusInternalServerError)
					fmt.Fprintln(w, `{"error":"handler failed"}`)
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
	server := &http.Server{
		Handler:           r,
		ReadHeaderTimeout: 5 * time.Second, // a slow client cannot hold a connection open
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second, // OpenAI waits about 20 s for an answer
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- server.Serve(listener) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, and give deliveries in progress up to 10 s to finish.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
