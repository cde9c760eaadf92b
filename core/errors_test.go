package core_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
)

func TestStatusCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{core.ErrMissingHeader, http.StatusBadRequest},
		{core.ErrInvalidTimestamp, http.StatusBadRequest},
		{core.ErrTimestampTooOld, http.StatusBadRequest},
		{core.ErrTimestampTooNew, http.StatusBadRequest},
		{core.ErrInvalidSignatureHeader, http.StatusBadRequest},
		{core.ErrNoMatchingSignature, http.StatusBadRequest},
		{core.ErrMalformedEvent, http.StatusBadRequest},
		{core.ErrBodyTooLarge, http.StatusRequestEntityTooLarge},
		{core.ErrUnreadableBody, http.StatusBadRequest},
		{core.ErrUnsupportedTransferEncoding, http.StatusNotImplemented},
		{core.ErrDeliveryInProgress, http.StatusConflict},
		{core.ErrIdempotencyUnavailable, http.StatusServiceUnavailable},
		{core.ErrInvalidSecret, http.StatusInternalServerError},
		{core.ErrInvalidOption, http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			for _, err := range []error{
				tc.err,
				fmt.Errorf("detail: %w", tc.err),
				fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", tc.err)),
				errors.Join(errors.New("other"), tc.err),
			} {
				if got := core.StatusCode(err); got != tc.want {
					t.Errorf("StatusCode(%v) = %d, want %d", err, got, tc.want)
				}
			}
		})
	}
	if got := core.StatusCode(nil); got != http.StatusOK {
		t.Errorf("StatusCode(nil) = %d, want 200", got)
	}
	if got := core.StatusCode(errors.New("handler failed")); got != http.StatusInternalServerError {
		t.Errorf("StatusCode(plain error) = %d, want 500", got)
	}
}

// TestErrorsFromVerifyCarryOneSentinel checks that an error of Verify wraps exactly one
// sentinel, so that errors.Is answers unambiguously.
func TestErrorsFromVerifyCarryOneSentinel(t *testing.T) {
	sentinels := []error{core.ErrInvalidSecret, core.ErrInvalidOption, core.ErrMissingHeader, core.ErrInvalidTimestamp,
		core.ErrTimestampTooOld, core.ErrTimestampTooNew, core.ErrInvalidSignatureHeader, core.ErrNoMatchingSignature,
		core.ErrMalformedEvent, core.ErrBodyTooLarge, core.ErrDeliveryInProgress, core.ErrIdempotencyUnavailable,
		core.ErrUnreadableBody, core.ErrUnsupportedTransferEncoding, core.ErrDataTypeMismatch, core.ErrHandlerFailed}
	v := mustVerifier(t, testSecret, fixedClock(testNow))
	good := signedHeaders(t, testID, testNow, testBody())
	_, badSecret := core.NewVerifier("")
	_, badEvent := core.ParseEvent([]byte("[]"))
	errs := []error{
		badSecret,
		badEvent,
		v.Verify(testBody(), core.Headers{}),
		v.Verify(testBody(), core.Headers{ID: "a", Timestamp: "x", Signature: "v1,a"}),
		v.Verify(testBody(), core.Headers{ID: "a", Timestamp: "1", Signature: "v1,a"}),
		v.Verify(testBody(), core.Headers{ID: "a", Timestamp: "9999999999", Signature: "v1,a"}),
		v.Verify(testBody(), core.Headers{ID: "a", Timestamp: good.Timestamp, Signature: "v1,"}),
		v.Verify(testBody(), core.Headers{ID: "a", Timestamp: good.Timestamp, Signature: "v1,a"}),
	}
	for _, err := range errs {
		n := 0
		for _, s := range sentinels {
			if errors.Is(err, s) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%v wraps %d sentinels, want 1", err, n)
		}
	}
}

func TestReasonOf(t *testing.T) {
	tests := []struct {
		err  error
		want core.Reason
	}{
		{nil, core.ReasonNone},
		{core.ErrDeliveryInProgress, core.ReasonNone},
		{core.ErrMissingHeader, core.ReasonMissingHeader},
		{core.ErrInvalidTimestamp, core.ReasonInvalidTimestamp},
		{core.ErrTimestampTooOld, core.ReasonTimestampTooOld},
		{core.ErrTimestampTooNew, core.ReasonTimestampTooNew},
		{core.ErrInvalidSignatureHeader, core.ReasonInvalidSignatureHeader},
		{core.ErrNoMatchingSignature, core.ReasonNoMatchingSignature},
		{core.ErrMalformedEvent, core.ReasonMalformedEvent},
		{core.ErrBodyTooLarge, core.ReasonBodyTooLarge},
		{core.ErrUnreadableBody, core.ReasonBodyUnreadable},
		{core.ErrUnsupportedTransferEncoding, core.ReasonBodyUnreadable},
		{core.ErrIdempotencyUnavailable, core.ReasonStoreUnavailable},
		{errors.New("database down"), core.ReasonHandlerError},
	}
	for _, tc := range tests {
		if got := core.ReasonOf(fmt.Errorf("detail: %w", tc.err)); tc.err != nil && got != tc.want {
			t.Errorf("ReasonOf(wrapped %v) = %q, want %q", tc.err, got, tc.want)
		}
		if got := core.ReasonOf(tc.err); got != tc.want {
			t.Errorf("ReasonOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
