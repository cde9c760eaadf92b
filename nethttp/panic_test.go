package nethttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
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
