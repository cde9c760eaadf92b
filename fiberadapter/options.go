package fiberadapter

import (
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/adapteropt"
	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// Option is a setting of Middleware, Handler and MiddlewareWithConfig: WithMaxBodyBytes,
// WithIdempotency, WithLogger, WithObserver, WithDiagnosis or WithErrorHandler. The
// zero Option changes nothing.
type Option = adapteropt.Option[ErrorHandler]

// ErrorHandler answers a refused delivery; Middleware and Handler return what it
// returns. The default, WriteError, answers {"error":"…"} with status and returns nil;
// return a *fiber.Error instead to have the application's fiber.Config.ErrorHandler
// (such as AppErrorHandler) answer.
//
// status is the one the adapter would answer:
//   - 400: the delivery failed verification or parsing;
//   - 413: its body is over the limit (WithMaxBodyBytes);
//   - 501: its Transfer-Encoding is something other than chunked;
//   - 409: the same delivery is being handled by another request (WithIdempotency);
//   - 503: the idempotency store could not be reached (WithIdempotency);
//   - 500: Handler's core.Handler returned an error or panicked, or the handler after
//     Middleware panicked before answering.
//
// err says why, for the log: it can carry internal detail (a handler's error, the
// store's address), so do not answer it to the sender; WriteError shows what to answer.
type ErrorHandler func(c *fiber.Ctx, status int, err error) error

// WithMaxBodyBytes sets the largest body accepted (default 1 MiB); a larger one is
// answered 413. fiber reads the whole body, up to its own Config.BodyLimit (default
// 4 MiB), before any handler runs: set BodyLimit to this same limit, so that an oversized
// body is refused while it is read instead of held in memory first. A zero or negative n
// keeps the default.
func WithMaxBodyBytes(n int64) Option { return adapteropt.MaxBodyBytes[ErrorHandler](n) }

// WithIdempotency makes each delivery (by webhook-id) run the next handler, or Handler's
// core.Handler, once: a duplicate of a handled delivery is answered 200
// {"received":true,"duplicate":true} without calling it, one in progress elsewhere 409,
// and an unreachable store 503. Lease and keep times default to idempotency.DefaultLease
// and DefaultKeep; change them with idempotency.Lease and idempotency.Keep.
func WithIdempotency(store idempotency.Store, opts ...idempotency.ClaimOption) Option {
	return adapteropt.Idempotency[ErrorHandler](store, opts)
}

// WithLogger sets the logger for rejected and refused deliveries (slog.Default() by
// default or when l is nil). Logs never contain the secret or signatures.
func WithLogger(l *slog.Logger) Option { return adapteropt.Logger[ErrorHandler](l) }

// WithObserver reports every delivery to o: its outcome, the reason of a refusal, the
// event type and how long verification and the handler took (see core.Observer, and
// package otelwebhooks for OpenTelemetry metrics and traces). Without an observer nothing
// is measured.
func WithObserver(o core.Observer) Option { return adapteropt.Observer[ErrorHandler](o) }

// WithDiagnosis explains in the log why deliveries are refused for their signature (or
// for their timestamp when the signature is good, which is clock skew): it runs package
// diagnose on the refused delivery and logs, at Warn, the cause's kind and a sentence
// naming it and the fix, e.g. that the signature matches the body re-serialised as
// compact JSON, so something parsed and re-encoded the body before this middleware.
// The answer does not change (400, the same body), and the log never holds the secret,
// a signature or the body.
//
// A diagnosis runs after the answer, on a goroutine of its own, bounded to about 4 ms of
// work at the largest delivery it accepts (a 64 KiB body, 32 signature entries; see
// docs/diagnosis.md): at most 2 at once, 10 in a burst and then one every 6 seconds, each
// cause logged once a minute with the number of refusals since; a flood of forgeries is
// only counted, and a line says so once a minute. Off by
// default: turn it on while a new endpoint is set up, or keep it on to be told when a
// deployment starts mangling bodies.
func WithDiagnosis() Option { return adapteropt.Diagnosis[ErrorHandler]() }

// WithErrorHandler sets how refused deliveries are answered (WriteError by default or
// when h is nil).
func WithErrorHandler(h ErrorHandler) Option { return adapteropt.ErrorHandler(h) }

// WriteError is the default ErrorHandler: it answers status with {"error":"…"}. For a
// delivery refused for what it is (400, 413, 501) the message says what was wrong with it;
// otherwise it is a short fixed message for status, never err's internal detail. A custom
// ErrorHandler that only wants to observe refusals can log and then call it.
func WriteError(c *fiber.Ctx, status int, err error) error {
	return writeJSON(c, status, receive.ErrorBody(err))
}

// AppErrorHandler is for fiber.Config.ErrorHandler: it answers the requests fiber refuses
// before any handler runs (a body over Config.BodyLimit, a read timeout, a malformed
// request) with {"error":"…"} and the status, as the adapter answers its own refusals,
// and any other error a handler returns with its *fiber.Error code or 500. The reply is
// a short fixed message per status, never the error's text; errors of status 500 and up
// go to slog.Default().
//
//	app := fiber.New(fiber.Config{
//		BodyLimit:    1 << 20, // the adapter's limit: see the package documentation
//		ErrorHandler: fiberadapter.AppErrorHandler,
//	})
func AppErrorHandler(c *fiber.Ctx, err error) error {
	code := fiber.StatusInternalServerError
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
	}
	status, body := receive.FrameworkRefusal(code, err.Error())
	if status >= fiber.StatusInternalServerError {
		slog.Default().LogAttrs(c.UserContext(), slog.LevelError, "openai-webhooks: request failed",
			slog.String("path", c.Path()), slog.Int("status", status), slog.String("error", err.Error()))
	}
	return writeJSON(c, status, body)
}

func writeJSON(c *fiber.Ctx, status int, body []byte) error {
	c.Set(fiber.HeaderContentType, receive.ContentType)
	return c.Status(status).Send(body)
}

// Config configures MiddlewareWithConfig in the shape of fiber's own middleware configs.
type Config struct {
	// Next makes the middleware pass the requests for which it reports true straight to
	// the next handler, unverified. Nil skips nothing.
	Next func(c *fiber.Ctx) bool
}

// MiddlewareWithConfig is Middleware configured the fiber way:
//
//	app.Use(fiberadapter.MiddlewareWithConfig(verifier, fiberadapter.Config{
//		Next: func(c *fiber.Ctx) bool { return c.Path() != "/webhooks/openai" },
//	}))
func MiddlewareWithConfig(v *core.Verifier, config Config, opts ...Option) fiber.Handler {
	return middleware(v, config.Next, opts)
}
