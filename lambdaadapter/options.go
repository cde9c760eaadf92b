package lambdaadapter

import (
	"context"
	"log/slog"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/adapteropt"
	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// Option is a setting of Handler and the typed functions: WithMaxBodyBytes,
// WithIdempotency, WithLogger, WithObserver, WithDiagnosis or WithErrorHandler, the same names as in
// every adapter of this module. The zero Option changes nothing.
type Option = adapteropt.Option[ErrorHandler]

// ErrorHandler returns the answer to a refused delivery (default ErrorResponse), which
// the adapter then puts in the shape of the event's source. A Lambda function answers by
// returning, not by writing, so the handler returns a Response.
//
// status is the one the adapter would answer:
//   - 400: the delivery failed verification or parsing, or its body is marked base64 but
//     is not valid base64;
//   - 413: its body is over the limit (WithMaxBodyBytes);
//   - 409: the same delivery is being handled by another invocation (WithIdempotency);
//   - 503: the idempotency store could not be reached (WithIdempotency);
//   - 500: the core.Handler returned an error or panicked.
//
// err says why, for the log: it can carry internal detail (a handler's error, the
// store's address), so do not answer it to the sender; ErrorResponse shows what to
// answer. A Response with StatusCode 0 is answered with status.
type ErrorHandler func(ctx context.Context, status int, err error) Response

// WithMaxBodyBytes sets the largest body accepted (default 1 MiB), counted after base64
// decoding; a larger one is answered 413. A zero or negative n keeps the default. Lambda
// itself refuses synchronous payloads over 6 MB.
func WithMaxBodyBytes(n int64) Option { return adapteropt.MaxBodyBytes[ErrorHandler](n) }

// WithIdempotency makes each delivery (by webhook-id) run the core.Handler once: a
// duplicate of a handled delivery is answered 200 {"received":true,"duplicate":true}
// without calling it, one in progress in another invocation 409, and an unreachable store
// 503. Lambda runs many execution environments side by side, each with its own memory,
// so use a shared store (idempotency/redisstore) in production; the memory store only
// de-duplicates within one warm environment. Lease and keep times default to
// idempotency.DefaultLease and DefaultKeep; change them with idempotency.Lease and
// idempotency.Keep.
func WithIdempotency(store idempotency.Store, opts ...idempotency.ClaimOption) Option {
	return adapteropt.Idempotency[ErrorHandler](store, opts)
}

// WithLogger sets the logger for rejected and refused deliveries (slog.Default() by
// default or when l is nil). On Lambda, whatever the function writes to stdout or stderr
// goes to CloudWatch Logs. Logs never contain the secret or signatures.
func WithLogger(l *slog.Logger) Option { return adapteropt.Logger[ErrorHandler](l) }

// WithObserver reports every delivery to o: its outcome, the reason of a refusal, the
// event type and how long verification and the handler took (see core.Observer, and
// package otelwebhooks for OpenTelemetry metrics and traces). Without an observer nothing
// is measured.
func WithObserver(o core.Observer) Option { return adapteropt.Observer[ErrorHandler](o) }

// WithDiagnosis makes a delivery refused for its signature (or, with a good signature,
// for its timestamp: clock skew) diagnosed with package diagnose, and the cause logged
// at Warn: for example that the signature matches the body before the front re-encoded
// it. The answer does not change. A diagnosis runs after the answer, bounded to about
// 4 ms of work and rate-limited (at most 2 at once, 10 in a burst, then one every 6
// seconds, each cause logged once a minute), so a flood of forgeries is only counted; the
// log never holds the secret, a signature or the body. Lambda freezes the execution
// environment once the function returns, so a diagnosis still running then finishes, and
// logs, during the next invocation of that environment (or never, if it is retired).
func WithDiagnosis() Option { return adapteropt.Diagnosis[ErrorHandler]() }

// WithErrorHandler sets how refused deliveries are answered (ErrorResponse by default or
// when h is nil).
func WithErrorHandler(h ErrorHandler) Option { return adapteropt.ErrorHandler(h) }

// ErrorResponse is the default ErrorHandler: it answers status with {"error":"…"}, as
// every adapter of this module does. For a delivery refused for what it is (400, 413)
// the message says what was wrong with it; otherwise it is a short fixed message for
// status, never err's internal detail. A custom ErrorHandler that only wants to observe
// refusals can log and then return it.
func ErrorResponse(_ context.Context, status int, err error) Response {
	return jsonResponse(status, receive.ErrorBody(err))
}
