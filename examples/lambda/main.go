// Command lambda receives OpenAI webhooks in an AWS Lambda function: one handler for a
// function URL, an API Gateway HTTP API or REST API, or an Application Load Balancer,
// with one core.On handler per event type it cares about.
//
// Build it for the provided.al2023 runtime on arm64 (Graviton) as a binary named
// bootstrap, and zip it:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/lambda
//	zip function.zip bootstrap
//
// Deploy: create the function (runtime provided.al2023, architecture arm64, handler
// bootstrap) from function.zip, give it a function URL with auth type NONE (or route POST
// /webhooks/openai of an HTTP API to it), and enter that URL as the endpoint of your
// webhook in the OpenAI dashboard. Set OPENAI_WEBHOOK_SECRET to the endpoint's whsec_…
// signing secret: an environment variable of the function, or resolved from Secrets
// Manager at deploy time (docs/serverless.md shows both). Set REDIS_URL to de-duplicate
// retries across all of the function's execution environments; without it each warm
// environment de-duplicates only the deliveries it saw itself.
//
// Each handled event is logged as one JSON line on stdout, which Lambda sends to
// CloudWatch Logs.
//
// This file is a complete program: copy it into your module as a starting point.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/redis/go-redis/v9"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/redisstore"
	"github.com/webhookkit/openai-webhooks/lambdaadapter"
)

func main() {
	handler, err := newHandler(os.Getenv, os.Stdout)
	if err != nil {
		// Lambda reports an init failure with this output in CloudWatch Logs.
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	lambda.Start(handler)
}

// newHandler returns the function's handler. It runs once per execution environment (a
// cold start), not once per delivery: the verifier, the store and the handlers are
// reused by every invocation the environment serves.
func newHandler(getenv func(string) string, stdout io.Writer) (lambda.Handler, error) {
	verifier, err := core.NewVerifier(getenv(core.EnvSecret)) // the endpoint's whsec_… signing secret
	if err != nil {
		return nil, fmt.Errorf("%s: %w", core.EnvSecret, err) // says what is wrong: empty, not base64, too short, …
	}
	logger := slog.New(slog.NewJSONHandler(stdout, nil))

	var store idempotency.Store = idempotency.NewMemoryStore() // this execution environment only
	if url := getenv("REDIS_URL"); url != "" {
		opts, err := redis.ParseURL(url)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w (expected redis://host:port/db or rediss://…)", err)
		}
		store = redisstore.New(redis.NewClient(opts), redisstore.WithPrefix("openai-webhooks:lambda:"))
	}
	return lambdaadapter.Handler(verifier, newMux(logger),
		lambdaadapter.WithIdempotency(store),
		lambdaadapter.WithLogger(logger)), nil
}

// newMux returns the application's handlers, one per event type it cares about. They
// must answer within OpenAI's ~20 s (and the function's timeout): hand slow work (batch
// output downloads, API calls) to a queue such as SQS or riverjobs, and return.
func newMux(logger *slog.Logger) *core.Mux {
	mux := core.NewMux()
	core.On(mux, core.ResponseCompleted, func(ctx context.Context, e *core.Event, data core.ResponseData) error {
		logger.InfoContext(ctx, "event handled", "type", e.Type, "event_id", e.ID, "webhook_id", e.WebhookID, "response_id", data.ID)
		return nil
	})
	for _, t := range []core.EventType{core.BatchCompleted, core.BatchFailed, core.BatchExpired, core.BatchCancelled} {
		core.On(mux, t, func(ctx context.Context, e *core.Event, data core.BatchData) error {
			logger.InfoContext(ctx, "event handled", "type", e.Type, "event_id", e.ID, "webhook_id", e.WebhookID, "batch_id", data.ID)
			return nil
		})
	}
	mux.Fallback(core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		// OpenAI adds event types over time: acknowledge the ones you do not handle.
		logger.InfoContext(ctx, "event not handled", "type", e.Type, "event_id", e.ID, "webhook_id", e.WebhookID)
		return nil
	}))
	return mux
}
