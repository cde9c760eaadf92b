package core

import (
	"errors"
)

// Sentinel errors. Every error returned by this package wraps exactly one of them, with
// detail (which header, how far off the clock is); test for them with errors.Is.
var (
	// ErrInvalidSecret: the secret given to NewVerifier, NewSigner or WithSecret is not a
	// usable whsec_, whpk_ or whsk_ value.
	ErrInvalidSecret = errors.New("invalid webhook secret")
	// ErrInvalidOption: an option given to NewVerifier is out of range.
	ErrInvalidOption = errors.New("invalid verifier option")
	// ErrMissingHeader: webhook-id, webhook-timestamp or webhook-signature is absent or empty.
	ErrMissingHeader = errors.New("missing webhook header")
	// ErrInvalidTimestamp: webhook-timestamp is not a decimal number of Unix seconds.
	ErrInvalidTimestamp = errors.New("invalid webhook timestamp")
	// ErrTimestampTooOld: webhook-timestamp is further in the past than the tolerance.
	ErrTimestampTooOld = errors.New("webhook timestamp too old")
	// ErrTimestampTooNew: webhook-timestamp is further in the future than the tolerance.
	ErrTimestampTooNew = errors.New("webhook timestamp too new")
	// ErrInvalidSignatureHeader: webhook-signature is too long, has too many entries, or
	// has no entry of the form "<version>,<base64>".
	ErrInvalidSignatureHeader = errors.New("invalid webhook signature header")
	// ErrNoMatchingSignature: no entry of webhook-signature matches the body under any
	// configured secret.
	ErrNoMatchingSignature = errors.New("no matching webhook signature")
	// ErrMalformedEvent: the verified body is not a JSON event object with a non-empty
	// string id and type, or its data is absent or does not decode into the requested
	// type.
	ErrMalformedEvent = errors.New("malformed webhook event")
	// ErrDataTypeMismatch: DecodeData or On was asked for the data struct of another
	// family of event types (BatchData for fine_tuning.job.succeeded), or a pointer to
	// one. Any other type the data fits is accepted. It is a mistake in the program, not
	// in the delivery: a handler returning it answers 500, and the delivery is processed
	// when OpenAI retries it after the fix.
	ErrDataTypeMismatch = errors.New("event data type mismatch")
	// ErrBodyTooLarge: the request body is over the configured limit.
	ErrBodyTooLarge = errors.New("webhook body too large")
	// ErrUnreadableBody: the connection failed while the body was read (the sender went
	// away or stalled); answered 400.
	ErrUnreadableBody = errors.New("could not read webhook body")
	// ErrUnsupportedTransferEncoding: the request's Transfer-Encoding is neither absent
	// nor chunked, so its body cannot be read as sent; answered 501, as net/http answers
	// it before any handler runs.
	ErrUnsupportedTransferEncoding = errors.New("unsupported transfer encoding")
	// ErrDeliveryInProgress: the same delivery (webhook-id) is being handled elsewhere
	// right now; OpenAI retries it later.
	ErrDeliveryInProgress = errors.New("webhook delivery already in progress")
	// ErrIdempotencyUnavailable: the idempotency store could not be asked whether the
	// delivery was handled, so it is not processed; OpenAI retries it later.
	ErrIdempotencyUnavailable = errors.New("idempotency store unavailable")
	// ErrHandlerFailed: the application's handler returned an error (wrapped beside it)
	// or panicked; answered 500 so that OpenAI retries. The adapters wrap a handler's
	// error in it, so that the answer does not depend on what the handler's error wraps:
	// a handler failing with ErrMalformedEvent from DecodeData is still the receiver's
	// failure (500), not the sender's (400).
	ErrHandlerFailed = errors.New("webhook handler failed")
)

// StatusCode maps an error to the HTTP status every adapter answers with, from the table
// of Classify: 400 for a delivery that fails verification or parsing, 413 for a body over
// the limit, 409 for a delivery in progress elsewhere, 503 when the idempotency store is
// unreachable, 200 for nil, and 500 for anything else (a handler's error), so that
// OpenAI retries.
func StatusCode(err error) int {
	return lookup(err).Status
}
