package receive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/redisstore"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testredis"
)

// recordingStore answers Begin with state (or err), and the token "tok-1" with Claimed,
// and records the calls other than Extend, which the lease renewal makes on a timer.
type recordingStore struct {
	state idempotency.State
	err   error
	calls []string
}

const recordedToken idempotency.Token = "tok-1"

func (s *recordingStore) Begin(context.Context, string, time.Duration) (idempotency.State, idempotency.Token, error) {
	s.calls = append(s.calls, "begin")
	if s.state == idempotency.Claimed && s.err == nil {
		return s.state, recordedToken, nil
	}
	return s.state, "", s.err
}

func (s *recordingStore) Extend(context.Context, string, idempotency.Token, time.Duration) error {
	return nil
}

func (s *recordingStore) Finish(_ context.Context, _ string, tok idempotency.Token, _ time.Duration) error {
	s.calls = append(s.calls, "finish "+string(tok))
	return nil
}

func (s *recordingStore) Abandon(_ context.Context, _ string, tok idempotency.Token) error {
	s.calls = append(s.calls, "abandon "+string(tok))
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
		{http.StatusOK, "finish tok-1"},
		{http.StatusNoContent, "finish tok-1"},
		{http.StatusFound, "abandon tok-1"},
		{http.StatusBadRequest, "abandon tok-1"},
		{http.StatusInternalServerError, "abandon tok-1"},
	}
	for _, tc := range tests {
		store := &recordingStore{state: idempotency.Claimed}
		p := newTestPipeline(t, store)
		outcome, err := p.Dispatch(context.Background(), &core.Event{WebhookID: "wh_1"}, func(context.Context) int { return tc.status }, nil)
		if outcome != Ran || err != nil {
			t.Fatalf("status %d: outcome %v, err %v; want Ran", tc.status, outcome, err)
		}
		if len(store.calls) != 2 || store.calls[1] != tc.want {
			t.Fatalf("status %d: store calls %v, want begin then %s", tc.status, store.calls, tc.want)
		}
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
		}, nil)
		if outcome != tc.wantOutcome || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Fatalf("%s: outcome %v, err %v; want %v, %v", tc.name, outcome, err, tc.wantOutcome, tc.wantErr)
		}
		if len(tc.store.calls) != 1 {
			t.Fatalf("%s: store calls %v, want begin only", tc.name, tc.store.calls)
		}
	}
}

// TestDispatchRenewsTheClaimOfASlowHandler: a handler that runs for several leases keeps
// its claim (an overlapping retry is answered in flight, not run again) and finishes it.
func TestDispatchRenewsTheClaimOfASlowHandler(t *testing.T) {
	// Renewal runs every lease/3: a lease of 300 ms leaves 200 ms for the scheduler of a
	// loaded machine running the race detector, where 60 ms once was not enough.
	checkRenewal(t, idempotency.NewMemoryStore(), 300*time.Millisecond)
}

func TestDispatchRenewsTheClaimOnRedis(t *testing.T) {
	client := testredis.Start(t)
	prefix := fmt.Sprintf("openai-webhooks-test:renewal:%d:", time.Now().UnixNano())
	t.Cleanup(func() { client.Del(context.Background(), prefix+"wh_slow") })
	checkRenewal(t, redisstore.New(client, redisstore.WithPrefix(prefix)), 300*time.Millisecond)
}

func checkRenewal(t *testing.T, store idempotency.Store, lease time.Duration) {
	p := newTestPipeline(t, store)
	p.cfg.Lease = lease
	e := &core.Event{WebhookID: "wh_slow"}
	runs := 0
	outcome, err := p.Dispatch(context.Background(), e, func(ctx context.Context) int {
		runs++
		for i := 0; i < 5; i++ {
			time.Sleep(lease)
			// A retry arriving now, several leases after the claim, must not run.
			retry, retryErr := p.Dispatch(ctx, e, func(context.Context) int {
				t.Error("an overlapping retry ran while the first handler was still live")
				return http.StatusOK
			}, nil)
			if retry != Refused || !errors.Is(retryErr, core.ErrDeliveryInProgress) {
				t.Errorf("overlapping retry after %d leases: %v, %v; want Refused, ErrDeliveryInProgress", i+1, retry, retryErr)
			}
		}
		return http.StatusOK
	}, nil)
	if outcome != Ran || err != nil || runs != 1 {
		t.Fatalf("Dispatch = %v, %v after %d runs; want Ran once", outcome, err, runs)
	}
	if st, _, err := store.Begin(context.Background(), e.WebhookID, lease); st != idempotency.Done || err != nil {
		t.Fatalf("after the slow handler: Begin = %v, %v; want done (the claim was finished)", st, err)
	}
}

// TestDispatchStopsRenewingAfterTheHandler: once next returned, no renewal keeps a
// claim alive; with a failed Abandon (the store says so) the claim expires after its lease.
func TestDispatchStopsRenewingAfterTheHandler(t *testing.T) {
	store := &countingStore{Store: idempotency.NewMemoryStore(), failAbandon: true}
	const lease = 30 * time.Millisecond
	p := newTestPipeline(t, store)
	p.cfg.Lease = lease
	e := &core.Event{WebhookID: "wh_fails"}
	_, _ = p.Dispatch(context.Background(), e, func(context.Context) int {
		time.Sleep(2 * lease)
		return http.StatusInternalServerError
	}, nil)
	extends := store.extends.Load()
	if extends == 0 {
		t.Fatal("a handler running two leases was never renewed")
	}
	time.Sleep(3 * lease)
	if n := store.extends.Load(); n != extends {
		t.Fatalf("%d renewals after the handler returned; want none", n-extends)
	}
	if st, _, err := store.Begin(context.Background(), e.WebhookID, lease); st != idempotency.Claimed || err != nil {
		t.Fatalf("a lease after the failed handler: Begin = %v, %v; want claimed (the claim expired)", st, err)
	}
}

// countingStore counts Extend calls and can refuse Abandon, as a store that went down.
type countingStore struct {
	idempotency.Store
	extends     atomic.Int64
	failAbandon bool
}

func (s *countingStore) Extend(ctx context.Context, key string, tok idempotency.Token, lease time.Duration) error {
	s.extends.Add(1)
	return s.Store.Extend(ctx, key, tok, lease)
}

func (s *countingStore) Abandon(ctx context.Context, key string, tok idempotency.Token) error {
	if s.failAbandon {
		return errors.New("store down")
	}
	return s.Store.Abandon(ctx, key, tok)
}

// TestRepliesCarryNoInternalDetail: the sender sees a fixed message for a handler error,
// a store failure and a delivery in flight; the 400 and 413 reasons restate the delivery.
func TestRepliesCarryNoInternalDetail(t *testing.T) {
	secret := errors.New("postgres://app:hunter2@10.0.0.5/billing refused")
	store := &recordingStore{err: fmt.Errorf("redisstore: cannot claim key %q on Redis at 10.0.0.7:6379: %w", "idem:wh_1", secret)}
	p := newTestPipeline(t, store)
	e := &core.Event{WebhookID: "wh_1", Type: "batch.completed"}
	_, storeErr := p.Dispatch(context.Background(), e, func(context.Context) int { return http.StatusOK }, nil)
	handlerReply := newTestPipeline(t, nil).Handle(context.Background(), e, core.HandlerFunc(func(context.Context, *core.Event) error { return secret }))
	inFlight := fmt.Errorf("%w: webhook-id wh_1 is being handled", core.ErrDeliveryInProgress)
	readErr := fmt.Errorf("%w: read tcp 127.0.0.1:8080->10.0.0.9:5123: i/o timeout", core.ErrUnreadableBody)
	for _, err := range []error{storeErr, handlerReply.Err, inFlight, readErr} {
		body := string(ErrorBody(err))
		for _, leak := range []string{"hunter2", "10.0.0", "idem:", "Redis", "postgres", "wh_1", "127.0.0.1"} {
			if strings.Contains(body, leak) {
				t.Errorf("reply %s to the sender (status %d) carries %q", body, core.StatusCode(err), leak)
			}
		}
	}
	if handlerReply.Status != http.StatusInternalServerError || !errors.Is(handlerReply.Err, secret) {
		t.Fatalf("Handle = %d, %v; want 500 wrapping the handler's error for the log", handlerReply.Status, handlerReply.Err)
	}
	stale := fmt.Errorf("%w: sent 10m0s ago, more than the tolerance of 5m0s", core.ErrTimestampTooOld)
	big := fmt.Errorf("%w: 2000000 bytes, over the limit of 1048576", core.ErrBodyTooLarge)
	for _, err := range []error{stale, big} {
		if body := string(ErrorBody(err)); !strings.Contains(body, err.Error()) {
			t.Errorf("reply %s to a %d refusal lost its delivery-shaped reason %q", body, core.StatusCode(err), err)
		}
	}
}

// recordingObserver records the deliveries it is told of.
type recordingObserver struct {
	started int
	ended   []core.Delivery
}

func (o *recordingObserver) StartDelivery(ctx context.Context) context.Context {
	o.started++
	return ctx
}

func (o *recordingObserver) EndDelivery(_ context.Context, d core.Delivery) {
	o.ended = append(o.ended, d)
}

// TestObserverSeesEachDeliveryOnce: a handled delivery, a refused one and a panicking
// handler (failed) are each reported once, with the outcome, reason and status answered.
func TestObserverSeesEachDeliveryOnce(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	signer, err := core.NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	obs := &recordingObserver{}
	p := newTestPipeline(t, nil)
	p.cfg.Observer = obs
	body := []byte(`{"id":"evt_1","object":"event","created_at":1,"type":"batch.completed","data":{"id":"batch_1"}}`)
	request := func(sig string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		h := signer.Headers("wh_obs", time.Now(), body)
		if sig != "" {
			h.Signature = sig
		}
		h.Set(r.Header)
		return r
	}

	read := func(sig string) (*core.Event, *http.Request, error) {
		r := request(sig)
		return p.ReadRequest(r, r.Body)
	}
	e, r, err := read("")
	if err != nil {
		t.Fatal(err)
	}
	p.Handle(r.Context(), e, core.HandlerFunc(func(context.Context, *core.Event) error { return nil }))
	if _, _, err := read("v1,AAAA"); err == nil {
		t.Fatal("a forged delivery verified")
	}
	if e, r, err = read(""); err != nil {
		t.Fatal(err)
	}
	_, _ = p.Dispatch(r.Context(), e, func(context.Context) int { panic("boom") }, nil)

	want := []struct {
		outcome core.Outcome
		reason  core.Reason
		status  int
	}{
		{core.OutcomeHandled, core.ReasonNone, 200},
		{core.OutcomeRefused, core.ReasonNoMatchingSignature, 400},
		{core.OutcomeFailed, core.ReasonHandlerError, 500},
	}
	if obs.started != len(want) || len(obs.ended) != len(want) {
		t.Fatalf("started %d, ended %d deliveries; want %d each", obs.started, len(obs.ended), len(want))
	}
	for i, w := range want {
		d := obs.ended[i]
		if d.Outcome != w.outcome || d.Reason != w.reason || d.Status != w.status || d.WebhookID != "wh_obs" {
			t.Errorf("delivery %d: %+v; want %v, %q, %d for wh_obs", i, d, w.outcome, w.reason, w.status)
		}
	}
	if d := obs.ended[0]; d.EventType != core.BatchCompleted || d.EventID != "evt_1" || d.Verification <= 0 {
		t.Errorf("the handled delivery: %+v; want its event and a verification time", d)
	}
}
