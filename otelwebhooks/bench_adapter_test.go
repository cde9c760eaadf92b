package otelwebhooks_test

import (
	"context"
	"log/slog"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/otelwebhooks"
)

// BenchmarkNetHTTPHandler serves a genuine 400-byte delivery through nethttp.Handler
// without an observer and with the OpenTelemetry observer on the SDK (metrics read by a
// manual reader, every span sampled and dropped): the difference is the observer's cost
// per delivery in a real pipeline.
//
//	go test -run '^$' -bench NetHTTPHandler -benchtime 1s -count 3 ./otelwebhooks/
func BenchmarkNetHTTPHandler(b *testing.B) {
	_, v, s := conformance.Keys(b)
	h := core.HandlerFunc(func(context.Context, *core.Event) error { return nil })
	quiet := nethttp.WithLogger(slog.New(slog.DiscardHandler))

	b.Run("no observer", func(b *testing.B) {
		conformance.BenchHTTP(b, nethttp.Handler(v, h, quiet), s)
	})
	b.Run("otel SDK", func(b *testing.B) {
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(discard{}))
		b.Cleanup(func() {
			_ = mp.Shutdown(context.Background())
			_ = tp.Shutdown(context.Background())
		})
		obs, err := otelwebhooks.New(otelwebhooks.WithMeterProvider(mp), otelwebhooks.WithTracerProvider(tp))
		if err != nil {
			b.Fatal(err)
		}
		conformance.BenchHTTP(b, nethttp.Handler(v, h, quiet, nethttp.WithObserver(obs)), s)
	})
}
