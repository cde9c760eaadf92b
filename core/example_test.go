package core_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// The examples sign their own deliveries, with this secret, at this time, so that their
// output does not depend on the clock.
const exampleSecret = "whsec_RdvaYFYUXuIFuEbvZHwMfYFhUf7aMYjYcmM24+Aj40c="

var exampleTime = time.Date(2025, 6, 25, 14, 20, 10, 0, time.UTC)

// exampleDelivery signs body the way OpenAI does and returns the headers it would send.
func exampleDelivery(body string) core.Headers {
	signer, err := core.NewSigner(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	return signer.Headers("wh_685c059ae39c8190af8c71ed1022a24d", exampleTime, []byte(body))
}

func ExampleNewVerifier() {
	// The signing secret of the endpoint, as the OpenAI dashboard shows it; in a real
	// application it comes from the environment (see NewVerifierFromEnv).
	v, err := core.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tolerance:", v.Tolerance())

	// A webhook-signature value pasted in place of the secret is refused.
	_, err = core.NewVerifier("v1,gUAg4R2hWouRZqRQG4uJypNS8YK885G838+EHb4nKBY=")
	fmt.Println("signature as secret refused:", errors.Is(err, core.ErrInvalidSecret))
	// Output:
	// tolerance: 5m0s
	// signature as secret refused: true
}

func ExampleVerifier_Verify() {
	body := []byte(`{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`)
	h := exampleDelivery(string(body))

	// The clock is fixed for the example: the delivery arrives 2 seconds after it was sent.
	v, err := core.NewVerifier(exampleSecret, core.WithClock(func() time.Time { return exampleTime.Add(2 * time.Second) }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("genuine:", v.Verify(body, h))

	// One byte changed: the signature no longer matches.
	tampered := []byte(string(body[:len(body)-4]) + `2"}}`) // batch_1 -> batch_2
	err = v.Verify(tampered, h)
	fmt.Println("tampered:", errors.Is(err, core.ErrNoMatchingSignature), core.StatusCode(err))

	// The same delivery replayed an hour later is stale.
	late, _ := core.NewVerifier(exampleSecret, core.WithClock(func() time.Time { return exampleTime.Add(time.Hour) }))
	err = late.Verify(body, h)
	fmt.Println("replayed:", errors.Is(err, core.ErrTimestampTooOld), core.StatusCode(err))
	// Output:
	// genuine: <nil>
	// tampered: true 400
	// replayed: true 400
}

func ExampleVerifier_Unwrap() {
	body := []byte(`{"id":"evt_685c059ae3a481909bdc86819b066fb6","object":"event","created_at":1750861210,"type":"response.completed","data":{"id":"resp_123"}}`)
	h := exampleDelivery(string(body))
	v, err := core.NewVerifier(exampleSecret, core.WithClock(func() time.Time { return exampleTime }))
	if err != nil {
		log.Fatal(err)
	}

	e, err := v.Unwrap(body, h)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Type, e.ID)
	fmt.Println("delivery:", e.WebhookID, e.Timestamp.UTC().Format(time.RFC3339))

	data, err := core.DecodeData[core.ResponseData](e)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("response:", data.ID)
	// Output:
	// response.completed evt_685c059ae3a481909bdc86819b066fb6
	// delivery: wh_685c059ae39c8190af8c71ed1022a24d 2025-06-25T14:20:10Z
	// response: resp_123
}

func ExampleMux() {
	mux := core.NewMux()
	core.On(mux, core.BatchCompleted, func(ctx context.Context, e *core.Event, data core.BatchData) error {
		fmt.Println("batch done:", data.ID)
		return nil
	})
	mux.Fallback(core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		fmt.Println("not handled:", e.Type)
		return nil
	}))

	v, err := core.NewVerifier(exampleSecret, core.WithClock(func() time.Time { return exampleTime }))
	if err != nil {
		log.Fatal(err)
	}
	for _, body := range []string{
		`{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_abc"}}`,
		`{"id":"evt_2","object":"event","created_at":1750861210,"type":"eval.run.succeeded","data":{"id":"evalrun_1"}}`,
	} {
		e, err := v.Unwrap([]byte(body), exampleDelivery(body))
		if err != nil {
			log.Fatal(err)
		}
		if err := mux.HandleEvent(context.Background(), e); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// batch done: batch_abc
	// not handled: eval.run.succeeded
}

func ExampleOn() {
	mux := core.NewMux()
	// Each handler gets the data struct of its event type, decoded.
	core.On(mux, core.ResponseCompleted, func(ctx context.Context, e *core.Event, data core.ResponseData) error {
		fmt.Println("response done:", data.ID)
		return nil
	})
	core.On(mux, core.RealtimeCallIncoming, func(ctx context.Context, e *core.Event, data core.RealtimeCallIncomingData) error {
		fmt.Println("call:", data.CallID)
		return nil
	})

	v, err := core.NewVerifier(exampleSecret, core.WithClock(func() time.Time { return exampleTime }))
	if err != nil {
		log.Fatal(err)
	}
	for _, body := range []string{
		`{"id":"evt_1","object":"event","created_at":1750861210,"type":"response.completed","data":{"id":"resp_abc"}}`,
		`{"id":"evt_2","object":"event","created_at":1750861210,"type":"realtime.call.incoming","data":{"call_id":"rtc_1","sip_headers":[]}}`,
	} {
		e, err := v.Unwrap([]byte(body), exampleDelivery(body))
		if err != nil {
			log.Fatal(err)
		}
		if err := mux.HandleEvent(context.Background(), e); err != nil {
			log.Fatal(err)
		}
	}

	// A data type that does not belong to the event type is refused at set-up.
	func() {
		defer func() { fmt.Println("refused:", recover() != nil) }()
		core.On(mux, core.ResponseCompleted, func(ctx context.Context, e *core.Event, data core.BatchData) error { return nil })
	}()
	// Output:
	// response done: resp_abc
	// call: rtc_1
	// refused: true
}

func ExampleDecodeData() {
	e, err := core.ParseEvent([]byte(`{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_abc"}}`))
	if err != nil {
		log.Fatal(err)
	}
	data, err := core.DecodeData[core.BatchData](e)
	fmt.Println(data.ID, err)

	// Any type the data fits: your own struct, a pointer, a map, json.RawMessage.
	type myBatch struct {
		ID string `json:"id"`
	}
	mine, err := core.DecodeData[myBatch](e)
	fmt.Println(mine.ID, err)
	asMap, err := core.DecodeData[map[string]any](e)
	fmt.Println(asMap["id"], err)

	// The data struct of another family of event types is an error, not an empty value.
	_, err = core.DecodeData[core.ResponseData](e)
	fmt.Println(errors.Is(err, core.ErrDataTypeMismatch))
	// Output:
	// batch_abc <nil>
	// batch_abc <nil>
	// batch_abc <nil>
	// true
}

// Classify is the answer to an error: what a receiver of its own answers, logs and
// counts, exactly as the adapters do.
func ExampleClassify() {
	v, err := core.NewVerifier(exampleSecret, core.WithClock(func() time.Time { return exampleTime }))
	if err != nil {
		log.Fatal(err)
	}
	h := exampleDelivery(`{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{}}`)
	_, err = v.Unwrap([]byte(`{"tampered":true}`), h)
	r := core.Classify(err)
	fmt.Println(r.Status, r.Outcome, r.Reason)

	r = core.Classify(fmt.Errorf("%w: %w", core.ErrHandlerFailed, errors.New("database at 10.0.0.5 down")))
	fmt.Println(r.Status, r.Outcome, r.Reason, r.Message)
	// Output:
	// 400 refused no_matching_signature
	// 500 failed handler_error the webhook handler failed; retry later
}

// A handler that queues deliveries itself marks a redelivery it finds already queued:
// the adapter answers {"received":true,"duplicate":true} and reports it duplicate.
func ExampleEvent_MarkDuplicate() {
	queued := map[string]bool{} // a durable queue in a real program
	enqueue := core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		if queued[e.WebhookID] {
			e.MarkDuplicate()
			return nil
		}
		queued[e.WebhookID] = true
		return nil
	})
	for range 2 {
		e := &core.Event{ID: "evt_1", Type: core.BatchCompleted, WebhookID: "wh_1"}
		if err := enqueue.HandleEvent(context.Background(), e); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("marked %q\n", e.Marked())
	}
	// Output:
	// marked ""
	// marked "duplicate"
}

func ExampleVerifier_VerifyHTTP() {
	v, err := core.NewVerifier(exampleSecret, core.WithClock(func() time.Time { return exampleTime }))
	if err != nil {
		log.Fatal(err)
	}
	body := `{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`
	// A request as OpenAI sends it.
	r, err := http.NewRequest(http.MethodPost, "https://example.com/webhooks/openai", strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	exampleDelivery(body).Set(r.Header)

	// In a handler: read the raw body, then verify it with the request's headers.
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("genuine:", v.VerifyHTTP(raw, r.Header))

	e, err := v.UnwrapHTTP(raw, r.Header)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Type, e.WebhookID)
	// Output:
	// genuine: <nil>
	// batch.completed wh_685c059ae39c8190af8c71ed1022a24d
}
