// Command redis is one replica of a webhook receiver that runs behind a load balancer
// with others: all replicas share one Redis, so each OpenAI delivery is handled once,
// whichever replica receives it and however often OpenAI retries it.
//
//	REDIS_URL=redis://127.0.0.1:6379/0 OPENAI_WEBHOOK_SECRET=whsec_… PORT=3001 go run ./examples/redis
//	REDIS_URL=redis://127.0.0.1:6379/0 OPENAI_WEBHOOK_SECRET=whsec_… PORT=3002 go run ./examples/redis
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/examples/internal/exampleserver"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/redisstore"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

func main() { exampleserver.Main(run) }

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	secret := getenv(core.EnvSecret)
	if secret == "" {
		return fmt.Errorf("%s is not set: copy your endpoint's signing secret (whsec_…) from the OpenAI dashboard", core.EnvSecret)
	}
	verifier, err := core.NewVerifier(secret)
	if err != nil {
		return fmt.Errorf("%s: %w", core.EnvSecret, err)
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
			http.Error(w, "redis: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})

	return exampleserver.Serve(ctx, getenv, stdout, routes)
}
