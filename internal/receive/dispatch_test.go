package receive

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
)

// recordingStore answers Begin with state (or err) and records the calls.
type recordingStore struct {
	state idempotency.State
	err   error
	calls []string
}

func (s *recordingStore) Begin(context.Context, string, time.Duration) (idempotency.State, error) {
	s.calls = append(s.calls, "begin")
	return s.state, s.err
}

func (s *recordingStore) Finish(context.Context, string, time.Duration) error {
	s.calls = append(s.calls, "finish")
	return nil
}

func (s *recordingStore) Abandon(context.Context, string) error {
	s.calls = append(s.calls, "abandon")
	return nil
}

func newTestPipeline(t *testing.T, store idempotency.Store) *Pipeline {
	t.Helper()
	v, err := core.NewVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	return New(v, Config{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func TestDispatchFinishesOnlyOn2xx(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{http.StatusOK, "finish"},
		{http.StatusNoContent, "finish"},
		{http.StatusFound, "abandon"},
		{http.StatusBadRequest, "abandon"},
		{http.StatusInternalServerError, "abandon"},
	}
	for _, tc := range tests {
		store := &recordingStore{state: idempotency.Claimed}
		p := newTestPipeline(t, store)
		outcome, err := p.Dispatch(context.Background(), &core.Event{WebhookID: "wh_1"}, func(context.Context) int { return tc.status })
		if outcome != Ran || err != nil {
			t.Fatalf("status %d: outcome %v, err %v; want Ran", tc.status, outcome, err)
		}
		if len(store.calls) != 2 || store.calls[1] != tc.want {
			t.Fatalf("status %d: store calls %v, want begin then %s", tc.status, store.calls, tc.want)
		}
	}
}

func TestDispatchAbandonsAndRepanicsOnPanic(t *testing.T) {
	store := &recordingStore{state: idempotency.Claimed}
	p := newTestPipeline(t, store)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v, want the handler's panic to escape", r)
			}
		}()
		_, _ = p.Dispatch(context.Background(), &core.Event{WebhookID: "wh_1"}, func(context.Context) int { panic("boom") })
	}()
	if len(store.calls) != 2 || store.calls[1] != "abandon" {
		t.Fatalf("store calls %v, want begin then abandon", store.calls)
	}
}

func TestDispatchWithoutClaimNeverRunsNext(t *testing.T) {
	tests := []struct {
		name        string
		store       *recordingStore
		wantOutcome Outcome
		wantErr     error
	}{
		{"done", &recordingStore{state: idempotency.Done}, Duplicate, nil},
		{"in flight", &recordingStore{state: idempotency.InFlight}, Refused, core.ErrDeliveryInProgress},
		{"store down", &recordingStore{err: errors.New("dial tcp: connection refused")}, Refused, core.ErrIdempotencyUnavailable},
		{"unknown state", &recordingStore{state: 42}, Refused, core.ErrIdempotencyUnavailable},
	}
	for _, tc := range tests {
		p := newTestPipeline(t, tc.store)
		outcome, err := p.Dispatch(context.Background(), &core.Event{WebhookID: "wh_1"}, func(context.Context) int {
			t.Errorf("%s: next ran without a claim", tc.name)
			return http.StatusOK
		})
		if outcome != tc.wantOutcome || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Fatalf("%s: outcome %v, err %v; want %v, %v", tc.name, outcome, err, tc.wantOutcome, tc.wantErr)
		}
		if len(tc.store.calls) != 1 {
			t.Fatalf("%s: store calls %v, want begin only", tc.name, tc.store.calls)
		}
	}
}
