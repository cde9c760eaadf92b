package echoadapter_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/echoadapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// A handler that flushed (sending its 200 without writing a byte: echo does not mark
// the response committed) and then panicked has answered: the adapter writes nothing
// after it, and the observer reports the 200 the sender saw.
func TestPanicAfterFlushing(t *testing.T) {
	_, v, s := conformance.Keys(t)
	obs := &conformance.Observed{}
	e := newEcho()
	e.POST("/", func(c echo.Context) error {
		c.Response().Flush()
		panic("after flushing")
	}, echoadapter.Middleware(v, echoadapter.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), echoadapter.WithObserver(obs)))
	w := conformance.Record(e, conformance.SignedRequest(t, s, "/", conformance.EventBody("evt_flush", core.BatchCompleted)))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("got %d %q, want the 200 that went out and nothing after it", w.Code, w.Body)
	}
	if ended := obs.Ended(); len(ended) != 1 || ended[0].Outcome != core.OutcomeFailed || ended[0].Status != http.StatusOK {
		t.Fatalf("observed %+v, want one failure with the 200 the sender saw", ended)
	}
}
