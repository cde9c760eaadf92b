// Command nethttp receives OpenAI webhooks with the standard library's net/http.
//
//	OPENAI_WEBHOOK_SECRET=whsec_… go run ./examples/nethttp
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

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/examples/internal/exampleserver"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

func main() { exampleserver.Main(run) }

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	verifier, err := core.NewVerifier(getenv(core.EnvSecret)) // the endpoint's whsec_… signing secret
	if err != nil {
		return fmt.Errorf("%s: %w", core.EnvSecret, err) // says what is wrong: empty, not base64, too short, …
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))

	webhook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		event, _ := nethttp.EventFrom(r)
		switch event.Type {
		case core.ResponseCompleted:
			data, err := core.DecodeData[core.ResponseData](event)
			if err != nil { // a 5xx answer makes OpenAI retry the delivery later
				http.Error(w, err.Error(), http.StatusInternalServerError)
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

	return exampleserver.Serve(ctx, getenv, stdout, routes)
}
