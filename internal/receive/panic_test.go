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

// TestDispatchRecoversPanic: a next that panics before answering is recovered: the claim
// is released, the panic and its stack are logged at Error, the observer sees a failure
// answered 500, and Dispatch returns the 500 to answer, with a fixed public message.
func TestDispatchRecoversPanic(t *testing.T) {
	for _, answered := range []func() int{nil, func() int { return 0 }} {
		p, ctx, e, store, obs, logs := panicSetUp(t)
		outcome, err := p.Dispatch(ctx, e, func(context.Context) int { panic("the token is hunter2") }, answered)
		if outcome != Refused || !errors.Is(err, core.ErrHandlerFailed) {
			t.Fatalf("Dispatch = %v, %v; want Refused with ErrHandlerFailed", outcome, err)
		}
		reply, ok := Answer(outcome, err)
		if !ok || reply.Status != http.StatusInternalServerError || strings.Contains(string(ErrorBody(reply.Err)), "hunter2") {
			t.Fatalf("Answer = %+v, %v (%s); want 500 with the fixed message", reply, ok, ErrorBody(reply.Err))
		}
		if len(store.calls) != 2 || store.calls[1] != "abandon tok-1" {
			t.Fatalf("store calls %v, want begin then abandon", store.calls)
		}
		wantPanicLogged(t, logs.String(), "the token is hunter2")
		if len(obs.ended) != 1 {
			t.Fatalf("observed %d deliveries, want 1", len(obs.ended))
		}
		if d := obs.ended[0]; d.Outcome != core.OutcomeFailed || d.Reason != core.ReasonHandlerError || d.Status != 500 || !errors.Is(d.Err, core.ErrHandlerFailed) {
			t.Fatalf("observed %+v, want failed, handler_error, 500", d)
		}
	}
}

// TestDispatchPanicAfterAnswering: a next that panics after its answer went out cannot
// be answered 500 any more: Dispatch leaves the answer as it is, releases the claim
// all the same, and the observer reports a failure with the status the sender saw.
func TestDispatchPanicAfterAnswering(t *testing.T) {
	p, ctx, e, store, obs, logs := panicSetUp(t)
	outcome, err := p.Dispatch(ctx, e, func(context.Context) int { panic("late") }, func() int { return http.StatusAccepted })
	if outcome != Ran || err != nil {
		t.Fatalf("Dispatch = %v, %v; want Ran (the answer stands)", outcome, err)
	}
	if _, ok := Answer(outcome, err); ok {
		t.Fatal("Answer would write over an answer already sent")
	}
	if len(store.calls) != 2 || store.calls[1] != "abandon tok-1" {
		t.Fatalf("store calls %v, want begin then abandon", store.calls)
	}
	wantPanicLogged(t, logs.String(), "late")
	if d := obs.ended[0]; d.Outcome != core.OutcomeFailed || d.Reason != core.ReasonHandlerError || d.Status != http.StatusAccepted {
		t.Fatalf("observed %+v, want failed, handler_error, 202 (what the sender saw)", d)
	}
}

// panicSetUp returns a pipeline with a claiming store, an observer and a log, and a
// delivery under observation.
func panicSetUp(t *testing.T) (*Pipeline, context.Context, *core.Event, *recordingStore, *recordingObserver, *bytes.Buffer) {
	store := &recordingStore{state: idempotency.Claimed}
	obs := &recordingObserver{}
	logs := &bytes.Buffer{}
	p := newTestPipeline(t, store)
	p.cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	p.cfg.Observer = obs
	ctx, _ := p.begin(context.Background(), core.Headers{ID: "wh_1"})
	return p, ctx, &core.Event{ID: "evt_1", Type: core.BatchCompleted, WebhookID: "wh_1"}, store, obs, logs
}

func wantPanicLogged(t *testing.T, logs, value string) {
	t.Helper()
	if strings.Count(logs, "\n") != 1 || !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "handler panicked") ||
		!strings.Contains(logs, value) || !strings.Contains(logs, "goroutine") || !strings.Contains(logs, "webhook_id=wh_1") {
		t.Fatalf("logged %q; want one Error line with the panic, its stack and the webhook-id", logs)
	}
}

// TestDispatchAbortHandler: under a net/http server (ReraiseAbort) a panic with
// http.ErrAbortHandler goes on to the server, which aborts the response, with the claim
// released and the delivery observed once as failed; elsewhere it is recovered as any
// panic is, since nothing would catch it (fasthttp) or it would fail the invocation
// (Lambda).
func TestDispatchAbortHandler(t *testing.T) {
	for _, reraise := range []bool{true, false} {
		p, ctx, e, store, obs, _ := panicSetUp(t)
		p.cfg.ReraiseAbort = reraise
		var escaped any
		func() {
			defer func() { escaped = recover() }()
			_, _ = p.Dispatch(ctx, e, func(context.Context) int { panic(http.ErrAbortHandler) }, nil)
		}()
		if (escaped == http.ErrAbortHandler) != reraise { //nolint:errorlint // the value itself
			t.Fatalf("ReraiseAbort %v: the panic escaped: %v", reraise, escaped)
		}
		if len(store.calls) != 2 || store.calls[1] != "abandon tok-1" {
			t.Fatalf("ReraiseAbort %v: store calls %v, want begin then abandon", reraise, store.calls)
		}
		if len(obs.ended) != 1 || obs.ended[0].Outcome != core.OutcomeFailed {
			t.Fatalf("ReraiseAbort %v: observed %+v, want one failure", reraise, obs.ended)
		}
	}
}
