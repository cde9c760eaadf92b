// Package adapteropt is the one implementation of the options every adapter shares
// (WithMaxBodyBytes, WithIdempotency, WithLogger, WithObserver, WithDiagnosis and
// WithErrorHandler): each adapter's options.go only binds them to its own Option type
// and to its framework's error handler type H.
package adapteropt

import (
	"log/slog"
	"reflect"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// Config is what an adapter's options set: the receive pipeline's configuration and the
// adapter's error handler.
type Config[H any] struct {
	receive.Config
	OnError H
}

// Option is one setting of a Config[H]. The zero Option changes nothing.
type Option[H any] struct {
	apply func(*Config[H])
}

// MaxBodyBytes sets the body limit; zero or negative keeps receive.DefaultMaxBodyBytes.
func MaxBodyBytes[H any](n int64) Option[H] {
	return Option[H]{func(c *Config[H]) { c.MaxBodyBytes = n }}
}

// Idempotency sets the store and the claim durations of opts (idempotency.NewPolicy).
func Idempotency[H any](store idempotency.Store, opts []idempotency.ClaimOption) Option[H] {
	return Option[H]{func(c *Config[H]) {
		policy := idempotency.NewPolicy(opts...)
		c.Store, c.Lease, c.Keep = store, policy.Lease, policy.Keep
	}}
}

// Logger sets the logger; nil keeps slog.Default().
func Logger[H any](l *slog.Logger) Option[H] {
	return Option[H]{func(c *Config[H]) { c.Logger = l }}
}

// Observer sets the observer of every delivery.
func Observer[H any](o core.Observer) Option[H] {
	return Option[H]{func(c *Config[H]) { c.Observer = o }}
}

// Diagnosis turns on the diagnosis of refused signatures (receive's diagnosis.go).
func Diagnosis[H any]() Option[H] {
	return Option[H]{func(c *Config[H]) { c.Diagnosis = true }}
}

// ErrorHandler sets the adapter's error handler; a nil one restores the adapter's
// default, also after another ErrorHandler.
func ErrorHandler[H any](h H) Option[H] {
	return Option[H]{func(c *Config[H]) { c.OnError = h }}
}

// Build applies opts in order to a Config, whose error handler is the adapter's default
// unless the last ErrorHandler of opts set one.
func Build[H any](opts []Option[H], defaultErrorHandler H) Config[H] {
	var c Config[H]
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(&c)
		}
	}
	if isNil(c.OnError) {
		c.OnError = defaultErrorHandler
	}
	return c
}

// isNil reports whether h, an adapter's error handler (a func type), is nil: a generic
// H cannot be compared with nil.
func isNil[H any](h H) bool {
	v := reflect.ValueOf(&h).Elem()
	switch v.Kind() {
	case reflect.Func, reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Chan:
		return v.IsNil()
	}
	return false
}
