package core

import "net/http"

// Refusal is how a receiver answers an error: the one place that maps each sentinel
// error of this package to the HTTP status, the Reason, the Outcome and the message the
// sender is told. StatusCode, ReasonOf, every adapter's reply and its Observer read it,
// so the four always agree.
type Refusal struct {
	// Status is the HTTP status answered: 4xx for a delivery refused for what it is,
	// 409 for one in progress elsewhere, 5xx for the receiver's own failure, so that
	// OpenAI retries it.
	Status int
	// Reason is the metric label of why; ReasonNone for nil and ErrDeliveryInProgress.
	Reason Reason
	// Outcome is OutcomeRefused (4xx), OutcomeInFlight (409), OutcomeFailed (5xx), or
	// OutcomeHandled for nil.
	Outcome Outcome
	// Message is what the sender is told, as {"error":"<Message>"}. A refusal for what
	// the delivery is (400 for its headers, signature or body, 413 for its size, 501 for
	// its transfer coding) gives the error's own text, which only restates what the
	// sender sent; every other error a short fixed message, never the internal detail
	// (a handler's error, a store's address), which belongs in the log.
	Message string
}

// Fixed messages of the refusals whose detail is internal: the sender, and anyone who
// can read OpenAI's delivery log, learns only what to expect.
const (
	msgReadBody      = "could not read the request body"
	msgInProgress    = "this delivery is being handled by another request; retry later"
	msgUnavailable   = "the webhook receiver is temporarily unavailable; retry later"
	msgHandlerFailed = "the webhook handler failed; retry later"
)

// refusals is the table: each sentinel with its answer. Message "" means the error's own
// text. An error wrapping none of them is a handler's failure (failedRefusal).
var refusals = [...]struct {
	err error
	r   Refusal
}{
	{ErrMissingHeader, Refusal{http.StatusBadRequest, ReasonMissingHeader, OutcomeRefused, ""}},
	{ErrInvalidTimestamp, Refusal{http.StatusBadRequest, ReasonInvalidTimestamp, OutcomeRefused, ""}},
	{ErrTimestampTooOld, Refusal{http.StatusBadRequest, ReasonTimestampTooOld, OutcomeRefused, ""}},
	{ErrTimestampTooNew, Refusal{http.StatusBadRequest, ReasonTimestampTooNew, OutcomeRefused, ""}},
	{ErrInvalidSignatureHeader, Refusal{http.StatusBadRequest, ReasonInvalidSignatureHeader, OutcomeRefused, ""}},
	{ErrNoMatchingSignature, Refusal{http.StatusBadRequest, ReasonNoMatchingSignature, OutcomeRefused, ""}},
	{ErrMalformedEvent, Refusal{http.StatusBadRequest, ReasonMalformedEvent, OutcomeRefused, ""}},
	{ErrBodyTooLarge, Refusal{http.StatusRequestEntityTooLarge, ReasonBodyTooLarge, OutcomeRefused, ""}},
	{ErrUnreadableBody, Refusal{http.StatusBadRequest, ReasonBodyUnreadable, OutcomeRefused, msgReadBody}},
	{ErrUnsupportedTransferEncoding, Refusal{http.StatusNotImplemented, ReasonBodyUnreadable, OutcomeRefused, ""}},
	{ErrDeliveryInProgress, Refusal{http.StatusConflict, ReasonNone, OutcomeInFlight, msgInProgress}},
	{ErrIdempotencyUnavailable, Refusal{http.StatusServiceUnavailable, ReasonStoreUnavailable, OutcomeFailed, msgUnavailable}},
	{ErrHandlerFailed, failedRefusal},
}

// failedRefusal answers an error that wraps no sentinel of the table: the handler's.
var failedRefusal = Refusal{http.StatusInternalServerError, ReasonHandlerError, OutcomeFailed, msgHandlerFailed}

// Classify returns how a receiver answers err, from the one table of this package:
//
//	sentinel                          Status  Reason                    Outcome    Message
//	nil                               200     ReasonNone                handled    ""
//	ErrMissingHeader                  400     missing_header            refused    the error's text
//	ErrInvalidTimestamp               400     invalid_timestamp         refused    the error's text
//	ErrTimestampTooOld                400     timestamp_too_old         refused    the error's text
//	ErrTimestampTooNew                400     timestamp_too_new         refused    the error's text
//	ErrInvalidSignatureHeader         400     invalid_signature_header  refused    the error's text
//	ErrNoMatchingSignature            400     no_matching_signature     refused    the error's text
//	ErrMalformedEvent                 400     malformed_event           refused    the error's text
//	ErrBodyTooLarge                   413     body_too_large            refused    the error's text
//	ErrUnreadableBody                 400     body_unreadable           refused    fixed
//	ErrUnsupportedTransferEncoding    501     body_unreadable           refused    the error's text
//	ErrDeliveryInProgress             409     ReasonNone                in_flight  fixed
//	ErrIdempotencyUnavailable         503     store_unavailable         failed     fixed
//	ErrHandlerFailed, any other error 500     handler_error             failed     fixed
//
// The sentinel found first in err's chain, in the order errors.Is visits it, decides, in
// one walk of the chain. The adapters classify each refusal once and answer, log and
// observe from the result.
func Classify(err error) Refusal {
	r := lookup(err)
	if err != nil && r.Message == "" {
		r.Message = err.Error()
	}
	return r
}

// lookup is Classify without the message: the row of err's first sentinel.
func lookup(err error) Refusal {
	if err == nil {
		return Refusal{Status: http.StatusOK, Outcome: OutcomeHandled}
	}
	if r, ok := find(err); ok {
		return r
	}
	return failedRefusal
}

// find walks err's chain once, depth first as errors.Is does, and returns the row of the
// first error that is (or, by its Is method, counts as) a sentinel of the table.
func find(err error) (Refusal, bool) {
	for err != nil {
		is, hasIs := err.(interface{ Is(error) bool })
		for i := range refusals {
			if err == refusals[i].err || (hasIs && is.Is(refusals[i].err)) {
				return refusals[i].r, true
			}
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				if r, ok := find(inner); ok {
					return r, true
				}
			}
			return Refusal{}, false
		default:
			return Refusal{}, false
		}
	}
	return Refusal{}, false
}
