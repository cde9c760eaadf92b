package ginadapter_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/ginadapter"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// The signing secret of the webhook endpoint, as the OpenAI dashboard shows it. Real
// code reads it from OPENAI_WEBHOOK_SECRET (core.NewVerifierFromEnv).
const secret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

// Verify deliveries in front of your own handler, and read the event with EventFrom.
func ExampleMiddleware() {
	v, err := core.NewVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.POST("/webhooks/openai", ginadapter.Middleware(v), func(c *gin.Context) {
		e, ok := ginadapter.EventFrom(c)
		if !ok { // only without the middleware in front
			c.Status(http.StatusInternalServerError)
			return
		}
		switch e.Type {
		case core.BatchCompleted:
			data, err := core.DecodeData[core.BatchData](e)
			if err != nil {
				c.Status(http.StatusInternalServerError) // OpenAI retries
				return
			}
			fmt.Println("batch done:", data.ID)
		default:
			fmt.Println("ignored:", e.Type)
		}
		c.Status(http.StatusNoContent)
	})

	fmt.Println(deliver(r, `{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`))
	// Output:
	// batch done: batch_1
	// 204
}

// A complete endpoint: Handler dispatches to a core.Mux and answers 200
// {"received":true}; with WithIdempotency a redelivery is acknowledged without running
// the handler again.
func ExampleHandler() {
	v, err := core.NewVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	mux := core.NewMux()
	core.On(mux, core.ResponseCompleted, func(ctx context.Context, e *core.Event, data core.ResponseData) error {
		fmt.Println("response completed:", data.ID)
		return nil
	})
	r := gin.New()
	r.POST("/webhooks/openai", ginadapter.Handler(v, mux, ginadapter.WithIdempotency(idempotency.NewMemoryStore())))

	fmt.Println(deliver(r, `{"id":"evt_2","object":"event","created_at":1750861210,"type":"response.completed","data":{"id":"resp_1"}}`))
	// Output:
	// response completed: resp_1
	// 200 {"received":true}
}

func deliver(h http.Handler, body string) string { return conformance.Deliver(h, secret, body) }
