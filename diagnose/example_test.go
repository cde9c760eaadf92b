package diagnose_test

import (
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
