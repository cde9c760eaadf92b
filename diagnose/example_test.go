package diagnose_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
)

const exampleSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// A server parsed the JSON body and encoded it again before verifying it: the
// signature covers the bytes OpenAI sent, so it no longer matches. The diagnosis says
// so.
func ExampleVerifier() {
	sent := []byte(`{"id": "evt_1", "object": "event", "created_at": 1750861210, "type": "batch.completed", "data": {"id": "batch_1"}}`)
	signer, err := core.NewSigner(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	now := time.Now()
	h := signer.Headers("wh_1", now, sent)

	received := []byte(`{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`)
	v, err := core.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	report := diagnose.Verifier(v, diagnose.Delivery{Body: received, Headers: h})
	failed, _ := report.FirstFailure()
	fmt.Println("failed:", failed.Name)
	fmt.Println("cause:", report.Kind())
	// Output:
	// failed: signature
	// cause: body_reserialized
}

// A command-line tool holds the secret's text, and checks a recorded delivery at the
// time it arrived.
func ExampleSecret() {
	body := []byte(`{"id": "evt_1", "object": "event", "created_at": 1750861210, "type": "batch.completed", "data": {"id": "batch_1"}}`)
	signer, err := core.NewSigner(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	sentAt := time.Unix(1750861210, 0)
	h := signer.Headers("wh_1", sentAt, append(body, '\n')) // the sender signed a final newline

	report := diagnose.Secret(exampleSecret, diagnose.Delivery{Body: body, Headers: h}, diagnose.At(sentAt.Add(2*time.Second)))
	for _, c := range report.Checks {
		fmt.Printf("%-9s %s\n", c.Name, c.Status)
	}
	fmt.Println("cause:", report.Kind())
	// Output:
	// headers   ok
	// secret    ok
	// timestamp ok
	// signature FAIL
	// event     skip
	// cause: body_newline
}

// A server that refused a delivery explains the refusal with the verifier's own error,
// after answering: the delivery is not verified again.
func ExampleRefused() {
	v, err := core.NewVerifier(exampleSecret, core.WithClock(func() time.Time { return time.Unix(1750861810, 0) }))
	if err != nil {
		log.Fatal(err)
	}
	signer, err := core.NewSigner(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	body := []byte(`{"id": "evt_1", "object": "event", "created_at": 1750861210, "type": "batch.completed", "data": {"id": "batch_1"}}`)
	d := diagnose.Delivery{Body: body, Headers: signer.Headers("wh_1", time.Unix(1750861210, 0), body)}

	refused := v.Verify(d.Body, d.Headers) // what the endpoint answered 400 for
	report := diagnose.Refused(v, d, refused)
	fmt.Println("refused:", errors.Is(report.Err, core.ErrTimestampTooOld))
	fmt.Println("cause:", report.Kind())
	// Output:
	// refused: true
	// cause: clock_skew
}
