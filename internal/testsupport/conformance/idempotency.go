package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
)

func testIdempotency(t *testing.T, f *fixture, m mode) {
	t.Run("duplicate answered without running", func(t *testing.T) {
		s := f.start(t, m, f.withStore(idempotency.NewMemoryStore()), nil)
		r := f.signed(eventBody("evt_dup", core.BatchCompleted))
		s.wantAnswered(t, s.send(t, r))
		wantJSON(t, s.send(t, r), http.StatusOK, `{"received":true,"duplicate":true}`)
		s.wantCalls(t, 1)
		wantEvent(t, s.rec.all()[0], r)
	})

	t.Run("in flight elsewhere is 409", func(t *testing.T) {
		entered, release := make(chan struct{}), make(chan struct{})
		s := f.start(t, m, f.withStore(idempotency.NewMemoryStore()), func(n int) Answer {
			if n == 1 {
				close(entered)
				<-release
			}
			return Answer{Status: http.StatusOK}
		})
		r := f.signed(eventBody("evt_slow", core.ResponseCompleted))
		first := make(chan response, 1)
		firstErr := make(chan error, 1)
		go func() {
			got, err := s.do(r)
			first <- got
			firstErr <- err
		}()
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			close(release)
			t.Fatal("the first delivery never reached the application")
		}
		got := s.send(t, r)
		close(release)
		wantError(t, got, http.StatusConflict, core.ErrDeliveryInProgress)
		if err := <-firstErr; err != nil {
			t.Fatal(err)
		}
		s.wantAnswered(t, <-first)
		s.wantCalls(t, 1)
	})

	t.Run("store unavailable is 503", func(t *testing.T) {
		s := f.start(t, m, f.withStore(failingStore{}), nil)
		wantError(t, s.send(t, f.signed(eventBody("evt_down", core.BatchFailed))), http.StatusServiceUnavailable, core.ErrIdempotencyUnavailable)
		s.wantCalls(t, 0)
	})

	for _, failure := range []Answer{{Status: http.StatusInternalServerError}, {Fail: true}} {
		t.Run(fmt.Sprintf("failed delivery is retried (%+v)", failure), func(t *testing.T) {
			s := f.start(t, m, f.withStore(idempotency.NewMemoryStore()), func(n int) Answer {
				if n == 1 {
					return failure
				}
				return Answer{Status: http.StatusOK}
			})
			r := f.signed(eventBody("evt_retry", core.FineTuningJobSucceeded))
			if got := s.send(t, r); got.status != http.StatusInternalServerError {
				t.Fatalf("the failing first attempt was answered %d %s, want 500", got.status, got.body)
			}
			s.wantAnswered(t, s.send(t, r))
			wantJSON(t, s.send(t, r), http.StatusOK, `{"received":true,"duplicate":true}`)
			s.wantCalls(t, 2)
		})
	}
}

// failingStore is an idempotency store that cannot be reached.
type failingStore struct{}

var errUnreachable = errors.New("dial tcp 127.0.0.1:6379: connection refused")

func (failingStore) Begin(context.Context, string, time.Duration) (idempotency.State, idempotency.Token, error) {
	return 0, "", errUnreachable
}
func (failingStore) Extend(context.Context, string, idempotency.Token, time.Duration) error {
	return errUnreachable
}
func (failingStore) Finish(context.Context, string, idempotency.Token, time.Duration) error {
	return errUnreachable
}
func (failingStore) Abandon(context.Context, string, idempotency.Token) error { return errUnreachable }

// testConcurrent sends many deliveries at once (run it with -race): distinct ones all
// reach the application intact; copies of one reach it exactly once under idempotency.
func testConcurrent(t *testing.T, f *fixture, m mode) {
	t.Run("distinct deliveries", func(t *testing.T) {
		s := f.start(t, m, f.options(m), nil)
		types := core.KnownEventTypes()
		reqs := make([]request, 48)
		byID := make(map[string]request)
		for i := range reqs {
			reqs[i] = f.signed(eventBody(fmt.Sprintf("evt_many_%d", i), types[i%len(types)]))
			byID[reqs[i].header.Get(core.HeaderID)] = reqs[i]
		}
		for _, got := range s.sendAll(t, reqs) {
			s.wantAnswered(t, got)
		}
		seen := s.rec.all()
		if len(seen) != len(reqs) {
			t.Fatalf("the application ran %d times for %d deliveries", len(seen), len(reqs))
		}
		for _, sn := range seen {
			if sn.event == nil {
				t.Fatal("EventFrom found no event")
			}
			wantEvent(t, sn, byID[sn.event.WebhookID])
		}
	})

	t.Run("copies of one delivery", func(t *testing.T) {
		s := f.start(t, m, f.withStore(idempotency.NewMemoryStore()), func(int) Answer {
			time.Sleep(5 * time.Millisecond)
			return Answer{Status: http.StatusOK}
		})
		r := f.signed(eventBody("evt_copies", core.BatchCompleted))
		reqs := make([]request, 16)
		for i := range reqs {
			reqs[i] = r
		}
		for _, got := range s.sendAll(t, reqs) {
			switch {
			case got.status == http.StatusConflict:
				wantError(t, got, http.StatusConflict, core.ErrDeliveryInProgress)
			case string(got.body) == `{"received":true,"duplicate":true}`:
				wantJSONType(t, got)
			default:
				s.wantAnswered(t, got)
			}
		}
		s.wantCalls(t, 1)
	})
}
