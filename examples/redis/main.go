// Command redis is one replica of a webhook receiver that runs behind a load balancer
// with others: all replicas share one Redis, so each OpenAI delivery is handled once,
// whichever replica receives it and however often OpenAI retries it.
//
//	REDIS_URL=redis://127.0.0.1:6379/0 OPENAI_WEBHOOK_SECRET=whsec_… PORT=3001 go run ./examples/redis
//	REDIS_URL=redis://127.0.0.1:6379/0 OPENAI_WEBHOOK_SECRET=whsec_… PORT=3002 go run ./examples/redis
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

	"github.com/redis/go-redis/v9"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/redisstore"
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
	redisURL := getenv("REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		return fmt.Errorf("REDIS_URL %q: %w (expected redis://host:port/db)", redisURL, err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	if err := client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis at %s does not answer: %w", opts.Addr, err)
	}
	replica := getenv("REPLICA")
	if replica == "" {
		replica, _ = os.Hostname()
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil)).With("replica", replica)

	mux := core.NewMux()
	mux.Fallback(core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		// Runs once per delivery across all replicas. A returned error answers 500 and
		// releases the claim, so OpenAI's retry is processed by whichever replica gets it.
		logger.InfoContext(ctx, "handled", "type", e.Type, "event_id", e.ID, "webhook_id", e.WebhookID)
		return nil
	}))
	store := redisstore.New(client, redisstore.WithPrefix("openai-webhooks:example:"))

	routes := http.NewServeMux()
	routes.Handle("POST /webhooks/openai", nethttp.Handler(verifier, mux,
		nethttp.WithIdempotency(store, idempotency.Lease(30*time.Second)),
		nethttp.WithLogger(logger)))
	routes.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		if err := client.Ping(r.Context()).Err(); err != nil {
			logger.ErrorContext(r.Context(), "health check: redis does not answer", "err", err)
			http.Error(w, "redis unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})

	server := &http.Server{
		Handler:           routes,
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
