package nethttp_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// exampleSecret stands in for the endpoint's signing secret; in a program, use
// core.NewVerifierFromEnv(), which reads OPENAI_WEBHOOK_SECRET.
const exampleSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// deliver sends a delivery of body signed with exampleSecret to h and prints the answer.
func deliver(h http.Handler, body string) {
	signer, err := core.NewSigner(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/webhooks/openai", strings.NewReader(body))
	signer.Headers("wh_example", time.Now(), []byte(body)).Set(req.Header)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
}

// Wrap any http.Handler: only verified deliveries reach it, with the event in the
// request's context and the raw body still readable.
func ExampleMiddleware() {
	verifier, err := core.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	webhook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		event, ok := nethttp.EventFrom(r)
		if !ok { // only without the middleware in front
			http.Error(w, "not a verified delivery", http.StatusInternalServerError)
			return
		}
		switch event.Type {
		case core.BatchCompleted:
			data, err := core.DecodeData[core.BatchData](event)
			if err != nil {
				http.Error(w, "handler failed", http.StatusInternalServerError) // OpenAI retries
				return
			}
			fmt.Println("batch done:", data.ID)
		default:
			fmt.Println("not handled:", event.Type) // acknowledge types you do not handle
		}
		w.WriteHeader(http.StatusOK)
	})
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/openai", nethttp.Middleware(verifier)(webhook))

	deliver(mux, `{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`)
	// Output:
	// batch done: batch_1
	// 200
}

// A complete endpoint: dispatch by type with a core.Mux; returning an error answers 500
// so that OpenAI retries.
func ExampleHandler() {
	verifier, err := core.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	events := core.NewMux()
	core.On(events, core.BatchCompleted, func(ctx context.Context, e *core.Event, data core.BatchData) error {
		fmt.Println("fetch results of", data.ID)
		return nil
	})
	events.OnFunc(core.BatchFailed, func(ctx context.Context, e *core.Event) error {
		return errors.New("could not record the failure")
	})
	endpoint := nethttp.Handler(verifier, events, nethttp.WithLogger(quiet))

	deliver(endpoint, `{"id":"evt_2","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_2"}}`)
	deliver(endpoint, `{"id":"evt_3","object":"event","created_at":1750861210,"type":"batch.failed","data":{"id":"batch_3"}}`)
	// Output:
	// fetch results of batch_2
	// 200 {"received":true}
	// 500 {"error":"the webhook handler failed; retry later"}
}

// With WithDiagnosis, a delivery refused for its signature is explained in the log:
// here a proxy re-encoded the JSON body before the endpoint. The answer is the same 400.
func ExampleWithDiagnosis() {
	verifier, err := core.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	// A log without times, and only the diagnosis's cause, so that the output is stable.
	lines := make(logLines, 10)
	logger := slog.New(slog.NewTextHandler(lines, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.MessageKey, "cause":
				return a
			}
			return slog.Attr{}
		},
	}))
	endpoint := nethttp.Handler(verifier, core.NewMux(), nethttp.WithDiagnosis(), nethttp.WithLogger(logger))

	sent := `{"id": "evt_4", "object": "event", "created_at": 1750861210, "type": "batch.completed", "data": {"id": "batch_4"}}`
	signer, err := core.NewSigner(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	h := signer.Headers("wh_example", time.Now(), []byte(sent))
	reencoded := `{"id":"evt_4","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_4"}}`
	req := httptest.NewRequest(http.MethodPost, "/webhooks/openai", strings.NewReader(reencoded))
	h.Set(req.Header)
	w := httptest.NewRecorder()
	endpoint.ServeHTTP(w, req)
	fmt.Print(<-lines) // the refusal, logged as it is answered
	fmt.Println(w.Code)
	select { // the diagnosis runs after the answer
	case line := <-lines:
		fmt.Print(line)
	case <-time.After(10 * time.Second):
		fmt.Println("no diagnosis")
	}
	// Output:
	// msg="openai-webhooks: delivery rejected"
	// 400
	// msg="openai-webhooks: refused delivery diagnosed" cause=body_reserialized
}

// logLines passes on each line of a slog text log, so that an example can wait for the
// diagnosis, which is logged after the answer.
type logLines chan string

func (l logLines) Write(p []byte) (int, error) {
	l <- string(p)
	return len(p), nil
}
