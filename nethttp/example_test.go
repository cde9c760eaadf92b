package nethttp_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// Wrap any http.Handler: only verified deliveries reach it, with the event in the
// request's context and the raw body still readable.
func ExampleMiddleware() {
	verifier, err := core.NewVerifier(os.Getenv("OPENAI_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	webhook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		event, _ := nethttp.EventFrom(r)
		switch event.Type {
		case core.BatchCompleted:
			fmt.Println("batch done:", string(event.Data))
		case core.ResponseCompleted:
			fmt.Println("response ready:", string(event.Data))
		}
		w.WriteHeader(http.StatusOK)
	})
	http.Handle("POST /webhooks/openai", nethttp.Middleware(verifier)(webhook))
}

// A complete endpoint: dispatch by type with a core.Mux; returning an error answers 500
// so that OpenAI retries.
func ExampleHandler() {
	verifier, err := core.NewVerifier(os.Getenv("OPENAI_WEBHOOK_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	mux := core.NewMux()
	mux.OnFunc(core.BatchCompleted, func(ctx context.Context, e *core.Event) error {
		data, err := core.DecodeData[core.BatchData](e)
		if err != nil {
			return err
		}
		fmt.Println("fetch results of", data.ID)
		return nil
	})
	http.Handle("POST /webhooks/openai", nethttp.Handler(verifier, mux))
}
