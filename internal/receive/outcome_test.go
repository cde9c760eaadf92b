package receive

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
)

// TestHandleOutcomes: every way a handler takes or fails an event gives one reply, one
// observed outcome and one log line that agree.
func TestHandleOutcomes(t *testing.T) {
	boom := errors.New("database down")
	_, decodeErr := core.DecodeData[core.BatchData](&core.Event{Type: core.BatchCompleted, Data: []byte(`{"id":1}`)})
	tests := []struct {
		name    string
		store   idempotency.Store
		h       core.HandlerFunc
		status  int
		body    string // "" for an error reply
		outcome core.Outcome
		reason  core.Reason
		log     string
	}{
		{"handled", nil, func(context.Context, *core.Event) error { return nil },
			200, `{"received":true}`, core.OutcomeHandled, core.ReasonNone, ""},
		{"marked unhandled", nil, func(_ context.Context, e *core.Event) error { e.MarkUnhandled(); return nil },
			200, `{"received":true}`, core.OutcomeUnhandled, core.ReasonNone, "level=INFO msg=\"openai-webhooks: no handler for the event type; acknowledged\""},
		{"marked duplicate", nil, func(_ context.Context, e *core.Event) error { e.MarkDuplicate(); return nil },
			200, `{"received":true,"duplicate":true}`, core.OutcomeDuplicate, core.ReasonNone, "level=INFO msg=\"openai-webhooks: duplicate delivery acknowledged\""},
		{"marked duplicate, claimed", idempotency.NewMemoryStore(), func(_ context.Context, e *core.Event) error { e.MarkDuplicate(); return nil },
			200, `{"received":true,"duplicate":true}`, core.OutcomeDuplicate, core.ReasonNone, "level=INFO msg=\"openai-webhooks: duplicate delivery acknowledged\""},
		{"handler error", nil, func(context.Context, *core.Event) error { return boom },
			500, "", core.OutcomeFailed, core.ReasonHandlerError, "level=ERROR msg=\"openai-webhooks: handler failed"},
		{"handler error wrapping ErrMalformedEvent", nil, func(context.Context, *core.Event) error { return decodeErr },
			500, "", core.OutcomeFailed, core.ReasonHandlerError, "level=ERROR msg=\"openai-webhooks: handler failed"},
		{"marked, then failed", nil, func(_ context.Context, e *core.Event) error { e.MarkDuplicate(); return boom },
			500, "", core.OutcomeFailed, core.ReasonHandlerError, "level=ERROR"},
		{"store down", &recordingStore{err: errors.New("dial tcp: refused")}, func(context.Context, *core.Event) error { return nil },
			503, "", core.OutcomeFailed, core.ReasonStoreUnavailable, "level=ERROR msg=\"openai-webhooks: delivery failed"},
		{"in flight", &recordingStore{state: idempotency.InFlight}, func(context.Context, *core.Event) error { return nil },
			409, "", core.OutcomeInFlight, core.ReasonNone, "level=WARN"},
		{"handler panics", nil, func(context.Context, *core.Event) error { panic("database password is hunter2") },
			500, "", core.OutcomeFailed, core.ReasonHandlerError, "level=ERROR msg=\"openai-webhooks: handler panicked; answering 500 so OpenAI retries\""},
		{"handler panics, claimed", idempotency.NewMemoryStore(), func(context.Context, *core.Event) error { panic(errors.New("nil map")) },
			500, "", core.OutcomeFailed, core.ReasonHandlerError, "level=ERROR msg=\"openai-webhooks: handler panicked; answering 500 so OpenAI retries\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			obs := &recordingObserver{}
			p := newTestPipeline(t, tc.store)
			p.cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			p.cfg.Observer = obs
			ctx, _ := p.begin(context.Background(), core.Headers{ID: "wh_1"})
			e := &core.Event{ID: "evt_1", Type: core.BatchCompleted, WebhookID: "wh_1"}
			reply := p.Handle(ctx, e, tc.h)
			body := string(reply.Body)
			if reply.Err != nil {
				if body != "" {
					t.Fatalf("reply has both a body and an error")
				}
				if r := RefusalOf(reply.Err); r.Status != tc.status || r.Outcome != tc.outcome {
					t.Errorf("the reply's classification %+v, want %d %s", r, tc.status, tc.outcome)
				}
				if strings.Contains(string(ErrorBody(reply.Err)), "database") || strings.Contains(string(ErrorBody(reply.Err)), "panic") || strings.Contains(string(ErrorBody(reply.Err)), "wh_1") {
					t.Errorf("error body %s carries internal detail", ErrorBody(reply.Err))
				}
			}
			if reply.Status != tc.status || body != tc.body {
				t.Errorf("reply %d %s, want %d %s", reply.Status, body, tc.status, tc.body)
			}
			if len(obs.ended) != 1 {
				t.Fatalf("observed %d deliveries, want 1", len(obs.ended))
			}
			if d := obs.ended[0]; d.Outcome != tc.outcome || d.Reason != tc.reason || d.Status != tc.status {
				t.Errorf("observed %s %q %d, want %s %q %d", d.Outcome, d.Reason, d.Status, tc.outcome, tc.reason, tc.status)
			}
			lines := strings.Count(logs.String(), "\n")
			switch {
			case tc.log == "" && lines != 0:
				t.Errorf("logged %q, want nothing", logs.String())
			case tc.log != "" && (lines != 1 || !strings.Contains(logs.String(), tc.log)):
				t.Errorf("logged %q, want one line with %q", logs.String(), tc.log)
			}
		})
	}
}

// TestMiddlewareOutcomes: behind the middleware, next's status decides, and a mark on
// the event it answered 2xx for is observed too; a non-2xx status is a failure.
func TestMiddlewareOutcomes(t *testing.T) {
	tests := []struct {
		status  int
		mark    func(*core.Event)
		outcome core.Outcome
	}{
		{http.StatusNoContent, func(*core.Event) {}, core.OutcomeHandled},
		{http.StatusOK, (*core.Event).MarkUnhandled, core.OutcomeUnhandled},
		{http.StatusOK, (*core.Event).MarkDuplicate, core.OutcomeDuplicate},
		{http.StatusBadRequest, func(*core.Event) {}, core.OutcomeFailed},
		{http.StatusInternalServerError, (*core.Event).MarkUnhandled, core.OutcomeFailed},
	}
	for _, tc := range tests {
		obs := &recordingObserver{}
		p := newTestPipeline(t, nil)
		p.cfg.Observer = obs
		ctx, _ := p.begin(context.Background(), core.Headers{ID: "wh_1"})
		e := &core.Event{ID: "evt_1", Type: core.BatchCompleted, WebhookID: "wh_1"}
		outcome, err := p.Dispatch(ctx, e, func(context.Context) int { tc.mark(e); return tc.status }, nil)
		if outcome != Ran || err != nil {
			t.Fatalf("Dispatch = %v, %v", outcome, err)
		}
		if _, ok := Answer(outcome, err); ok {
			t.Errorf("status %d: the middleware answers itself after next did", tc.status)
		}
		if d := obs.ended[0]; d.Outcome != tc.outcome || d.Status != tc.status {
			t.Errorf("status %d: observed %s %d, want %s", tc.status, d.Outcome, d.Status, tc.outcome)
		}
	}
}
