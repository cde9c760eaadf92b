package webhooktest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/lambdaadapter"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

// newWebhookHandler stands for an application's own endpoint: it is given the verifier
// built from the application's secret.
func newWebhookHandler(v *core.Verifier, completed chan<- string) http.Handler {
	mux := core.NewMux()
	core.On(mux, core.BatchCompleted, func(ctx context.Context, e *core.Event, data core.BatchData) error {
		completed <- data.ID
		return nil
	})
	return nethttp.Handler(v, mux)
}

// A test of an application's endpoint: a signed delivery in, the answer and the effect
// checked. In a _test.go file, the same lines go in a func TestWebhook(t *testing.T).
func Example() {
	sender := webhooktest.NewSender()
	completed := make(chan string, 1)
	handler := newWebhookHandler(sender.Verifier(), completed)

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, sender.NewRequest("/webhooks/openai", core.BatchCompleted, core.BatchData{ID: "batch_123"}))

	fmt.Println(rec.Code, rec.Body.String())
	fmt.Println("handled:", <-completed)

	// A delivery signed with another secret never reaches the handler.
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, webhooktest.NewSender().NewRequest("/webhooks/openai", core.BatchCompleted, core.BatchData{ID: "forged"}))
	fmt.Println(rec.Code)
	// Output:
	// 200 {"received":true}
	// handled: batch_123
	// 400
}

// An application that reads its secret from OPENAI_WEBHOOK_SECRET: give it the
// Sender's secret (in a test, t.Setenv(core.EnvSecret, sender.Secret())).
func ExampleSender_Secret() {
	sender := webhooktest.NewSender()
	verifier, err := core.NewVerifier(sender.Secret()) // what the application does at start-up
	if err != nil {
		panic(err)
	}
	d := sender.Delivery(core.ResponseCompleted, core.ResponseData{ID: "resp_1"})
	fmt.Println(verifier.Verify(d.Body, d.Headers))
	// Output:
	// <nil>
}

// A delivery built to a specification: a retry of a known webhook-id, sent at a fixed
// time, checked without HTTP.
func ExampleSender_Delivery() {
	sender, err := webhooktest.NewSenderWithSecret("whsec_RdvaYFYUXuIFuEbvZHwMfYFhUf7aMYjYcmM24+Aj40c=")
	if err != nil {
		panic(err)
	}
	sent := time.Date(2025, 6, 25, 14, 20, 10, 0, time.UTC)
	d := sender.Delivery(core.ResponseCompleted, core.ResponseData{ID: "resp_123"},
		webhooktest.WithWebhookID("wh_685c059ae39c8190af8c71ed1022a24d"),
		webhooktest.WithEventID("evt_685c059ae3a481909bdc86819b066fb6"),
		webhooktest.WithTimestamp(sent))
	fmt.Println(string(d.Body))
	fmt.Println(d.Headers.Signature)

	// Verified at the time it was sent; now it would be stale.
	e, err := sender.Verifier(core.WithClock(func() time.Time { return sent })).Unwrap(d.Body, d.Headers)
	fmt.Println(e.Type, e.WebhookID, err)
	// Output:
	// {"id":"evt_685c059ae3a481909bdc86819b066fb6","object":"event","created_at":1750861210,"type":"response.completed","data":{"id":"resp_123"}}
	// v1,1lGiyiHmXWAo63BDw+vMuqkNzKAgA+OOQ/AxS2e6SiI=
	// response.completed wh_685c059ae39c8190af8c71ed1022a24d <nil>
}

// A test of a Lambda function: the delivery as the event a function URL sends, body
// base64-encoded, passed to the function's handler as Lambda would.
func ExampleDelivery_LambdaPayload() {
	sender := webhooktest.NewSender()
	completed := make(chan string, 1)
	mux := core.NewMux()
	core.On(mux, core.BatchCompleted, func(ctx context.Context, e *core.Event, data core.BatchData) error {
		completed <- data.ID
		return nil
	})
	fn := lambdaadapter.Handler(sender.Verifier(), mux) // what main passes to lambda.Start

	d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_123"})
	out, err := fn.Invoke(context.Background(), d.LambdaPayload(webhooktest.LambdaFunctionURL, webhooktest.WithBase64Body()))
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	fmt.Println("handled:", <-completed)
	// Output:
	// {"statusCode":200,"headers":{"Content-Type":"application/json; charset=utf-8"},"body":"{\"received\":true}","isBase64Encoded":false,"cookies":null}
	// handled: batch_123
}
