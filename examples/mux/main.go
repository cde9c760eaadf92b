// Command mux dispatches OpenAI webhook events to one handler per type with core.Mux,
// each decoding its event's data into the typed struct with core.DecodeData. It uses
// nethttp.Handler, a complete endpoint that answers 200 {"received":true}, or 500 when a
// handler fails so that OpenAI retries, and runs each delivery once (WithIdempotency).
//
//	OPENAI_WEBHOOK_SECRET=whsec_… go run ./examples/mux
//
// It listens on PORT (default 3000; HOST optional): POST /webhooks/openai receives
// deliveries and GET /health answers ok.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/examples/internal/exampleserver"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

func main() { exampleserver.Main(run) }

// on registers f for events of type t, with the event's data decoded into T. A data
// that does not decode is a handler error: answered 500, and retried by OpenAI.
func on[T any](mux *core.Mux, t core.EventType, f func(ctx context.Context, e *core.Event, data T) error) {
	mux.OnFunc(t, func(ctx context.Context, e *core.Event) error {
		data, err := core.DecodeData[T](e)
		if err != nil {
			return err
		}
		return f(ctx, e, data)
	})
}

// newMux returns the application's handlers, one per event type it cares about.
func newMux(logger *slog.Logger) *core.Mux {
	mux := core.NewMux()
	on(mux, core.ResponseCompleted, func(ctx context.Context, e *core.Event, data core.ResponseData) error {
		logger.InfoContext(ctx, "response completed; fetch its output with the Responses API", "response_id", data.ID)
		return nil
	})
	for _, t := range []core.EventType{core.BatchCompleted, core.BatchFailed, core.BatchExpired, core.BatchCancelled} {
		on(mux, t, func(ctx context.Context, e *core.Event, data core.BatchData) error {
			logger.InfoContext(ctx, "batch finished", "status", e.Type, "batch_id", data.ID)
			return nil
		})
	}
	on(mux, core.RealtimeCallIncoming, func(ctx context.Context, e *core.Event, data core.RealtimeCallIncomingData) error {
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

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	verifier, err := core.NewVerifier(getenv(core.EnvSecret)) // the endpoint's whsec_… signing secret
	if err != nil {
		return fmt.Errorf("%s: %w", core.EnvSecret, err) // says what is wrong: empty, not base64, too short, …
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))

	routes := http.NewServeMux()
	routes.Handle("POST /webhooks/openai", nethttp.Handler(verifier, newMux(logger),
		nethttp.WithIdempotency(idempotency.NewMemoryStore()), // one process; see examples/redis for several
		nethttp.WithLogger(logger)))
	routes.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })

	return exampleserver.Serve(ctx, getenv, stdout, routes)
}
