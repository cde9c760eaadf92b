package nethttp_test

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// A handler behind Middleware that panics after writing its status: the sender gets that
// status (it went out), the observer reports a failure with that same status, and the
// claim is released, so a retry runs the handler again.
func TestMiddlewarePanicAfterAnswering(t *testing.T) {
	obs := &conformance.Observed{}
	calls := 0
	mw := nethttp.Middleware(newVerifier(t), nethttp.WithLogger(quiet), nethttp.WithObserver(obs), nethttp.WithIdempotency(idempotency.NewMemoryStore()))
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls++
		w.WriteHeader(http.StatusAccepted)
		if calls == 1 {
			panic("after the answer")
		}
	})))
	t.Cleanup(srv.Close)

	req := signedRequest(t, srv.URL, `{"id":"evt_1","object":"event","created_at":1,"type":"batch.completed","data":{"id":"b"}}`)
	for i, want := range []core.Outcome{core.OutcomeFailed, core.OutcomeHandled} {
		again := req.Clone(context.Background())
		again.Body, _ = req.GetBody()
		resp, err := http.DefaultClient.Do(again)
		if err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("delivery %d: got %d, want the 202 the handler wrote", i+1, resp.StatusCode)
		}
		ended := obs.Ended()
		d := ended[len(ended)-1]
		if d.Outcome != want || d.Status != http.StatusAccepted {
			t.Fatalf("delivery %d: observed %s %d, want %s 202", i+1, d.Outcome, d.Status, want)
		}
	}
	if calls != 2 {
		t.Fatalf("the handler ran %d times, want 2 (the panic released the claim)", calls)
	}
}

// A handler that flushed (sending its 200 without writing a byte) and then panicked has
// answered: the adapter writes nothing more (no second WriteHeader, no error body after
// the handler's), and the observer reports the 200 the sender saw.
func TestMiddlewarePanicAfterFlushing(t *testing.T) {
	obs := &conformance.Observed{}
	var serverLog testkit.LockedBuffer
	mw := nethttp.Middleware(newVerifier(t), nethttp.WithLogger(quiet), nethttp.WithObserver(obs))
	srv := httptest.NewUnstartedServer(mw(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		panic("after flushing")
	})))
	srv.Config.ErrorLog = log.New(&serverLog, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)

	resp, err := http.DefaultClient.Do(signedRequest(t, srv.URL, `{"id":"evt_1","object":"event","created_at":1,"type":"batch.completed","data":{"id":"b"}}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Fatalf("got %d %q, want the 200 that went out and nothing after it", resp.StatusCode, body)
	}
	srv.Close()
	if strings.Contains(serverLog.String(), "superfluous") {
		t.Fatalf("the server logged %q", serverLog.String())
	}
	if ended := obs.Ended(); len(ended) != 1 || ended[0].Outcome != core.OutcomeFailed || ended[0].Status != http.StatusOK {
		t.Fatalf("observed %+v, want one failure with the 200 the sender saw", ended)
	}
}
