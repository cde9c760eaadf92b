package conformance

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
)

// testPanics checks that a panic in the application, Middleware's next handler or
// Handler's core.Handler, is recovered by the adapter: answered 500 with the fixed
// {"error":"…"} of a handler failure (never the panic's value), logged at Error with its
// stack, observed as failed with the status the sender saw, and, with idempotency, its
// claim released so that OpenAI's retry runs the application again.
func testPanics(t *testing.T, f *fixture, m mode) {
	obs := &Observed{}
	o := f.options(m)
	o.Observer = obs
	s := f.start(t, m, o, func(n int) Answer {
		if n == 1 {
			return Answer{Panic: true}
		}
		return Answer{Status: http.StatusOK}
	})
	r := f.signed(eventBody("evt_panic", core.BatchCompleted))
	got := s.send(t, r)
	wantError(t, got, http.StatusInternalServerError, core.ErrHandlerFailed)
	if strings.Contains(string(got.body), "panic") {
		t.Fatalf("the reply %s tells the sender about the panic", got.body)
	}
	s.wantCalls(t, 1)
	obs.wantLast(t, core.OutcomeFailed, core.ReasonHandlerError, got.status)
	logs := f.logs.String()
	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "handler panicked") || !strings.Contains(logs, PanicValue) || !strings.Contains(logs, "goroutine ") {
		t.Fatal("the panic is not logged at Error with its value and stack")
	}
	if !m.idempotent {
		return
	}
	// The retry of the same delivery runs the application again: the claim was released.
	s.wantAnswered(t, s.send(t, r))
	s.wantCalls(t, 2)
	obs.wantLast(t, core.OutcomeHandled, core.ReasonNone, http.StatusOK)
}

// Observed is a core.Observer that records the deliveries it saw end, for the suite and
// the adapters' own tests. Safe for concurrent use.
type Observed struct {
	mu    sync.Mutex
	ended []core.Delivery
}

// StartDelivery returns ctx: nothing is added.
func (o *Observed) StartDelivery(ctx context.Context) context.Context { return ctx }

// EndDelivery records d.
func (o *Observed) EndDelivery(_ context.Context, d core.Delivery) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ended = append(o.ended, d)
}

// Ended returns the deliveries seen end so far, in order.
func (o *Observed) Ended() []core.Delivery {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]core.Delivery(nil), o.ended...)
}

// wantLast checks the last delivery observed.
func (o *Observed) wantLast(t *testing.T, outcome core.Outcome, reason core.Reason, status int) {
	t.Helper()
	ended := o.Ended()
	if len(ended) == 0 {
		t.Fatal("the observer saw no delivery end")
	}
	if d := ended[len(ended)-1]; d.Outcome != outcome || d.Reason != reason || d.Status != status {
		t.Fatalf("observed %s %q %d, want %s %q %d (what the sender saw)", d.Outcome, d.Reason, d.Status, outcome, reason, status)
	}
}
