// Command mux dispatches OpenAI webhook events to one handler per type with core.Mux:
// core.On registers each handler with the data struct of its event type, decoded. It
// uses nethttp.Handler, a complete endpoint that answers 200 {"received":true}, or 500
// when a handler fails so that OpenAI retries, and runs each delivery once
// (WithIdempotency).
//
//	OPENAI_WEBHOOK_SECRET=whsec_… go run ./examples/mux
//
// It listens on PORT (default 3000; HOST optional): POST /webhooks/openai receives
// deliveries and GET /health answers ok.
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
	"github.com/webhookkit/openai-webhooks/idempotency"
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

// newMux returns the application's handlers, one per event type it cares about. Data
// that does not decode into a handler's type is a handler error: answered 500, and
// retried by OpenAI.
func newMux(logger *slog.Logger) *core.Mux {
	mux := core.NewMux()
	core.On(mux, core.ResponseCompleted, func(ctx context.Context, e *core.Event, data core.ResponseData) error {
		logger.InfoContext(ctx, "response completed; fetch its output with the Responses API", "response_id", data.ID)
		return nil
	})
	for _, t := range []core.EventType{core.BatchCompleted, core.BatchFailed, core.BatchExpired, core.BatchCancelled} {
		core.On(mux, t, func(ctx context.Context, e *core.Event, data core.BatchData) error {
			logger.InfoContext(ctx, "batch finished", "status", e.Type, "batch_id", data.ID)
			return nil
		})
	}
	core.On(mux, core.RealtimeCallIncoming, func(ctx context.Context, e *core.Event, data core.RealtimeCallIncomingData) error {
		// Accept or reject the call with the Realtime API, using data.CallID.
		logger.InfoContext(ctx, "incoming call", "call_id", data.CallID, "sip_headers", len(data.SIPHeaders))
		return nil
	})
	mux.Fallback(core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		// OpenAI adds event types over time: acknowledge the ones you do not handle.
		logger.InfoContext(ctx, "event not handled", "type", e.Type, "event_id", e.ID)
		return nil
	}))
	return mux
}

// newRoutes returns the application's routes: the webhook endpoint and a health check.
func newRoutes(verifier *core.Verifier, logger *slog.Logger) http.Handler {
	routes := http.NewServeMux()
	routes.Handle("POST /webhooks/openai", nethttp.Handler(verifier, newMux(logger),
		nethttp.WithIdempotency(idempotency.NewMemoryStore()), // one process; see examples/redis for several
		nethttp.WithLogger(logger)))
	routes.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	return routes
}
