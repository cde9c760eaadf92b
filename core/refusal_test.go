package core_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
)

// TestClassify is the table: each sentinel, bare and wrapped, gives its status, reason,
// outcome and public message, and StatusCode and ReasonOf agree with it.
func TestClassify(t *testing.T) {
	const text = "" // the error's own text
	tests := []struct {
		err     error
		status  int
		reason  core.Reason
		outcome core.Outcome
		message string
	}{
		{core.ErrMissingHeader, 400, core.ReasonMissingHeader, core.OutcomeRefused, text},
		{core.ErrInvalidTimestamp, 400, core.ReasonInvalidTimestamp, core.OutcomeRefused, text},
		{core.ErrTimestampTooOld, 400, core.ReasonTimestampTooOld, core.OutcomeRefused, text},
		{core.ErrTimestampTooNew, 400, core.ReasonTimestampTooNew, core.OutcomeRefused, text},
		{core.ErrInvalidSignatureHeader, 400, core.ReasonInvalidSignatureHeader, core.OutcomeRefused, text},
		{core.ErrNoMatchingSignature, 400, core.ReasonNoMatchingSignature, core.OutcomeRefused, text},
		{core.ErrMalformedEvent, 400, core.ReasonMalformedEvent, core.OutcomeRefused, text},
		{core.ErrBodyTooLarge, 413, core.ReasonBodyTooLarge, core.OutcomeRefused, text},
		{core.ErrUnreadableBody, 400, core.ReasonBodyUnreadable, core.OutcomeRefused, "could not read the request body"},
		{core.ErrUnsupportedTransferEncoding, 501, core.ReasonBodyUnreadable, core.OutcomeRefused, text},
		{core.ErrDeliveryInProgress, 409, core.ReasonNone, core.OutcomeInFlight, "this delivery is being handled by another request; retry later"},
		{core.ErrIdempotencyUnavailable, 503, core.ReasonStoreUnavailable, core.OutcomeFailed, "the webhook receiver is temporarily unavailable; retry later"},
		{core.ErrHandlerFailed, 500, core.ReasonHandlerError, core.OutcomeFailed, "the webhook handler failed; retry later"},
		{core.ErrDataTypeMismatch, 500, core.ReasonHandlerError, core.OutcomeFailed, "the webhook handler failed; retry later"},
		{errors.New("postgres://app:hunter2@db refused"), 500, core.ReasonHandlerError, core.OutcomeFailed, "the webhook handler failed; retry later"},
	}
	for _, tc := range tests {
		for _, err := range []error{
			tc.err,
			fmt.Errorf("detail: %w", tc.err),
			fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", tc.err)),
			errors.Join(errors.New("other"), tc.err),
		} {
			got := core.Classify(err)
			want := core.Refusal{Status: tc.status, Reason: tc.reason, Outcome: tc.outcome, Message: tc.message}
			if want.Message == text {
				want.Message = err.Error()
			}
			if got != want {
				t.Errorf("Classify(%q) = %+v, want %+v", err, got, want)
			}
			if core.StatusCode(err) != tc.status || core.ReasonOf(err) != tc.reason {
				t.Errorf("StatusCode, ReasonOf(%q) = %d, %q; the table says %d, %q", err, core.StatusCode(err), core.ReasonOf(err), tc.status, tc.reason)
			}
		}
	}
	if got := core.Classify(nil); got != (core.Refusal{Status: http.StatusOK, Outcome: core.OutcomeHandled}) {
		t.Errorf("Classify(nil) = %+v", got)
	}
}

// A handler's error wrapping a delivery's sentinel is still the handler's failure: the
// first sentinel in the chain decides.
func TestClassifyHandlerFailureWrappingASentinel(t *testing.T) {
	_, decodeErr := core.DecodeData[core.BatchData](&core.Event{Type: core.BatchCompleted, Data: []byte(`{"id":42}`)})
	err := fmt.Errorf("%w for batch.completed: %w", core.ErrHandlerFailed, decodeErr)
	r := core.Classify(err)
	if r.Status != 500 || r.Outcome != core.OutcomeFailed || r.Reason != core.ReasonHandlerError || r.Message != "the webhook handler failed; retry later" {
		t.Fatalf("Classify(%q) = %+v, want the handler's failure", err, r)
	}
	if !errors.Is(err, core.ErrMalformedEvent) {
		t.Fatal("the handler's error is no longer in the chain")
	}
}

// isErr counts as a sentinel through its Is method, as errors.Is would have it.
type isErr struct{}

func (isErr) Error() string        { return "custom" }
func (isErr) Is(target error) bool { return target == core.ErrTimestampTooOld }

func TestClassifyHonoursIsMethods(t *testing.T) {
	if r := core.Classify(fmt.Errorf("wrapped: %w", isErr{})); r.Reason != core.ReasonTimestampTooOld {
		t.Fatalf("Classify = %+v, want the timestamp_too_old row", r)
	}
}

// TestMuxMarksUnhandled: a type with no handler and no fallback is marked unhandled and
// still answered nil; a handled type, or one the fallback takes, is not marked.
func TestMuxMarksUnhandled(t *testing.T) {
	m := core.NewMux()
	m.OnFunc(core.BatchCompleted, func(context.Context, *core.Event) error { return nil })
	handled := &core.Event{ID: "evt_1", Type: core.BatchCompleted}
	unhandled := &core.Event{ID: "evt_2", Type: core.BatchFailed}
	if err := m.HandleEvent(t.Context(), handled); err != nil || handled.Marked() != "" {
		t.Fatalf("handled type: %v, marked %q", err, handled.Marked())
	}
	if err := m.HandleEvent(t.Context(), unhandled); err != nil || unhandled.Marked() != core.OutcomeUnhandled {
		t.Fatalf("type without a handler: %v, marked %q; want nil and unhandled", err, unhandled.Marked())
	}
	m.Fallback(core.HandlerFunc(func(context.Context, *core.Event) error { return nil }))
	fallback := &core.Event{ID: "evt_3", Type: core.BatchFailed}
	if err := m.HandleEvent(t.Context(), fallback); err != nil || fallback.Marked() != "" {
		t.Fatalf("type the fallback took: %v, marked %q", err, fallback.Marked())
	}
	e := &core.Event{}
	e.MarkDuplicate()
	if e.Marked() != core.OutcomeDuplicate {
		t.Fatalf("MarkDuplicate: marked %q", e.Marked())
	}
}
