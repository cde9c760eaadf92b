package lambdaadapter_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testrie"
	"github.com/webhookkit/openai-webhooks/lambdaadapter"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

// http.ErrAbortHandler means something only to a net/http server: under Lambda it is a
// panic like any other, answered 500, not a failed invocation (which API Gateway
// answers 502).
func TestAbortHandlerPanicAnswered500(t *testing.T) {
	sender := webhooktest.NewSender()
	h := &calls{fn: func(int) error { panic(http.ErrAbortHandler) }}
	fn := lambdaadapter.Handler(sender.Verifier(), h, lambdaadapter.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"})
	payload := testrie.Event(testrie.ALB, "/", d.Header(), d.Body, false)
	var r testrie.Response
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Fatalf("the invocation panicked with %v, want a 500", v)
			}
		}()
		r = invoke(t, fn, payload)
	}()
	if r.StatusCode != http.StatusInternalServerError {
		t.Fatalf("got %d %s, want 500", r.StatusCode, r.Body)
	}
}
