package ginadapter_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/ginadapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// A handler that writes its answer and then panics stops the chain, as gin.Recovery
// would: the handlers after it never run, and the answer that went out stands.
func TestPanicAfterAnsweringStopsTheChain(t *testing.T) {
	_, v, s := conformance.Keys(t)
	obs := &conformance.Observed{}
	ranAfter := false
	r := gin.New()
	r.POST("/", ginadapter.Middleware(v, ginadapter.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), ginadapter.WithObserver(obs)),
		func(c *gin.Context) {
			c.String(http.StatusAccepted, "accepted")
			panic("after the answer")
		},
		func(*gin.Context) { ranAfter = true })
	w := conformance.Record(r, conformance.SignedRequest(t, s, "/", conformance.EventBody("evt_chain", core.BatchCompleted)))
	if w.Code != http.StatusAccepted || w.Body.String() != "accepted" {
		t.Fatalf("got %d %q, want the 202 that went out, unchanged", w.Code, w.Body)
	}
	if ranAfter {
		t.Fatal("the handler after the one that panicked ran")
	}
	if ended := obs.Ended(); len(ended) != 1 || ended[0].Outcome != core.OutcomeFailed || ended[0].Status != http.StatusAccepted {
		t.Fatalf("observed %+v, want one failure with the 202 the sender saw", ended)
	}
}
