package core

import (
	"context"
	"time"
)

// Observer watches every delivery an adapter receives: a metrics or tracing back end
// (package otelwebhooks), or the application's own. Set it with the adapters' WithObserver
// option. An adapter without an observer spends nothing on observation.
//
// Implementations must be safe for concurrent use and should return quickly: they run on
// the request's path.
type Observer interface {
	// StartDelivery is called when a delivery arrives, before its body is read. The
	// context it returns is the one the rest of the delivery runs in, the application's
	// handler included, so a tracer starts its span here and the handler's spans become
	// its children. Return ctx itself when there is nothing to add.
	StartDelivery(ctx context.Context) context.Context
	// EndDelivery is called exactly once per delivery that StartDelivery saw, after the
	// answer is decided, with the context StartDelivery returned.
	EndDelivery(ctx context.Context, d Delivery)
}

// Delivery is what an Observer learns about one delivery. It never holds the secret, a
// signature or the body.
type Delivery struct {
	// Outcome is what became of the delivery.
	Outcome Outcome
	// Reason is why the delivery was refused or failed; ReasonNone unless Outcome is
	// OutcomeRefused or OutcomeFailed.
	Reason Reason
	// Status is the HTTP status answered (in middleware mode, the next handler's).
	Status int
	// WebhookID is the webhook-id header, when there was one.
	WebhookID string
	// EventID and EventType are the event's, once the body verified and parsed; empty
	// before that.
	EventID   string
	EventType EventType
	// Verification is the time spent reading, verifying and parsing the body.
	Verification time.Duration
	// Handler is the time the application's handler (or the next middleware) ran; zero
	// when it did not run.
	Handler time.Duration
	// Err is the refusal or the failure (the handler's error), for logs and span events;
	// nil when the delivery was taken (handled, duplicate, unhandled). It may hold internal detail: never send it to the sender.
	Err error
}

// Outcome is what became of a delivery. Dashboards and alerts tell apart the deliveries
// the receiver took (handled, duplicate, unhandled), those the sender must fix or that
// were forged (refused), and the receiver's own failures (failed), which OpenAI retries.
type Outcome string

// The outcomes of a delivery.
const (
	// OutcomeHandled: verified, and the handler (or the queue) took it; answered 2xx.
	OutcomeHandled Outcome = "handled"
	// OutcomeDuplicate: taken before, and acknowledged 200 {"received":true,
	// "duplicate":true} without running the handler again: done before (idempotency), or
	// already queued (asynqjobs, riverjobs; see Event.MarkDuplicate).
	OutcomeDuplicate Outcome = "duplicate"
	// OutcomeInFlight: the same delivery is being handled elsewhere right now
	// (idempotency); answered 409 so that OpenAI retries it later.
	OutcomeInFlight Outcome = "in_flight"
	// OutcomeUnhandled: verified, but no handler took its type: a Mux with neither a
	// handler for it nor a fallback (see Event.MarkUnhandled). Still answered 200, since
	// OpenAI adds event types over time; a steady count usually means the endpoint is
	// subscribed to a type the application does not handle.
	OutcomeUnhandled Outcome = "unhandled"
	// OutcomeRefused: the delivery is unacceptable (a header missing, a bad or stale
	// timestamp, no matching signature, a malformed event, a body too large or
	// unreadable); answered 4xx (501 for a transfer coding it cannot read). Reason says
	// why. Retries of it fail the same way: the sender must fix it, or it is forged.
	OutcomeRefused Outcome = "refused"
	// OutcomeFailed: the receiver's own failure: the handler returned an error or
	// panicked (500), the idempotency store was unavailable (503), the queue refused the
	// task (500), or, behind an adapter's middleware, the next handler answered a status
	// that is not 2xx. Reason says which. OpenAI retries it.
	OutcomeFailed Outcome = "failed"
)

// Reason is why a delivery was refused or failed: a small fixed set, fit for a metric
// label.
type Reason string

// The reasons a delivery is refused or fails. From ReasonMissingHeader to
// ReasonBodyTooLarge, each is the refusal of the sentinel error of the same name
// (ErrMissingHeader, …, ErrBodyTooLarge), answered 400 or 413; ReasonBodyUnreadable is a
// refusal too; ReasonStoreUnavailable and ReasonHandlerError are failures.
const (
	// ReasonNone: the delivery was neither refused nor failed.
	ReasonNone                   Reason = ""
	ReasonMissingHeader          Reason = "missing_header"
	ReasonInvalidTimestamp       Reason = "invalid_timestamp"
	ReasonTimestampTooOld        Reason = "timestamp_too_old"
	ReasonTimestampTooNew        Reason = "timestamp_too_new"
	ReasonInvalidSignatureHeader Reason = "invalid_signature_header"
	ReasonNoMatchingSignature    Reason = "no_matching_signature"
	ReasonMalformedEvent         Reason = "malformed_event"
	ReasonBodyTooLarge           Reason = "body_too_large"
	// ReasonBodyUnreadable: the connection failed while the body was read (400), or the
	// body came with a Transfer-Encoding other than chunked (501).
	ReasonBodyUnreadable Reason = "body_unreadable"
	// ReasonStoreUnavailable: the idempotency store could not be reached
	// (ErrIdempotencyUnavailable, 503).
	ReasonStoreUnavailable Reason = "store_unavailable"
	// ReasonHandlerError: the application's handler returned an error or panicked (500),
	// the queue refused the task (asynqjobs, riverjobs: 500), or, behind an adapter's
	// middleware, the next handler answered a status that is not 2xx (Delivery.Status).
	ReasonHandlerError Reason = "handler_error"
)

// ReasonOf maps an error to its Reason, from the table of Classify: each sentinel error
// of this package that refuses a delivery or fails it (ErrMissingHeader, …,
// ErrBodyTooLarge, ErrIdempotencyUnavailable) to its own reason, nil and
// ErrDeliveryInProgress to ReasonNone, and anything else, such as a handler's error, to
// ReasonHandlerError.
func ReasonOf(err error) Reason {
	return lookup(err).Reason
}
