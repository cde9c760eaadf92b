package echoadapter_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/echoadapter"
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
	e := echo.New()
	e.POST("/webhooks/openai", func(c echo.Context) error {
		ev, ok := echoadapter.EventFrom(c)
		if !ok { // only without the middleware in front
			return echo.NewHTTPError(http.StatusInternalServerError)
		}
		switch ev.Type {
		case core.BatchCompleted:
			data, err := core.DecodeData[core.BatchData](ev)
			if err != nil {
				return echo.NewHTTPError(http.StatusInternalServerError) // OpenAI retries
			}
			fmt.Println("batch done:", data.ID)
		default:
			fmt.Println("ignored:", ev.Type)
		}
		return c.NoContent(http.StatusNoContent)
	}, echoadapter.Middleware(v))

	fmt.Println(deliver(e, `{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`))
	// Output:
	// batch done: batch_1
	// 204
}

// Middleware as a group or global middleware, skipping the routes that are not webhooks,
// as with the Skipper of echo's own middleware.
func ExampleMiddlewareWithConfig() {
	v, err := core.NewVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	e := echo.New()
	e.Use(echoadapter.MiddlewareWithConfig(v, echoadapter.Config{
		Skipper: func(c echo.Context) bool { return c.Path() != "/webhooks/openai" },
	}))
	e.GET("/health", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })

	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/health", nil))
	fmt.Println(w.Code, w.Body)
	// Output: 200 ok
}

// A complete endpoint: Handler dispatches to a core.Mux and answers 200
// {"received":true}.
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
	e := echo.New()
	e.POST("/webhooks/openai", echoadapter.Handler(v, mux))

	fmt.Println(deliver(e, `{"id":"evt_2","object":"event","created_at":1750861210,"type":"response.completed","data":{"id":"resp_1"}}`))
	// Output:
	// response completed: resp_1
	// 200 {"received":true}
}

func deliver(h http.Handler, body string) string { return conformance.Deliver(h, secret, body) }
