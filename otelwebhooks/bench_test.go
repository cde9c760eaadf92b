package otelwebhooks_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/otelwebhooks"
)

// discard is a span processor that drops every span: the benchmark measures recording
// a span, not exporting it.
type discard struct{}

func (discard) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (discard) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (discard) Shutdown(context.Context) error                  { return nil }
func (discard) ForceFlush(context.Context) error                { return nil }

// BenchmarkObserver measures what the observer adds to one delivery: StartDelivery and
// EndDelivery, with the SDK (metrics read by a manual reader, every span sampled and
// dropped by its processor), with the SDK's metrics only, and with the noop providers.
//
//	go test -run '^$' -bench Observer -benchtime 1s -count 3 ./otelwebhooks/
func BenchmarkObserver(b *testing.B) {
	sdkMeter := func(b *testing.B) metric.MeterProvider {
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
		return mp
	}
	sdkTracer := func(b *testing.B) trace.TracerProvider {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithSpanProcessor(discard{}))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		return tp
	}
	noopMeter := func(*testing.B) metric.MeterProvider { return metricnoop.NewMeterProvider() }
	noopTracer := func(*testing.B) trace.TracerProvider { return tracenoop.NewTracerProvider() }

	handled := core.Delivery{Outcome: core.OutcomeHandled, Status: 200, WebhookID: "wh_0123456789abcdef0123456789abcdef",
		EventID: "evt_685343a1381c819085d44c354e1b330e", EventType: core.BatchCompleted, Verification: 20 * time.Microsecond, Handler: time.Millisecond}
	refused := core.Delivery{Outcome: core.OutcomeRefused, Reason: core.ReasonNoMatchingSignature, Status: 400,
		WebhookID: "wh_0123456789abcdef0123456789abcdef", Verification: 15 * time.Microsecond}

	for _, p := range []struct {
		name   string
		meter  func(*testing.B) metric.MeterProvider
		tracer func(*testing.B) trace.TracerProvider
	}{
		{"sdk", sdkMeter, sdkTracer},
		{"sdk-metrics-only", sdkMeter, noopTracer},
		{"noop", noopMeter, noopTracer},
	} {
		for _, d := range []struct {
			name string
			d    core.Delivery
		}{{"handled", handled}, {"refused", refused}} {
			b.Run(p.name+"/"+d.name, func(b *testing.B) {
				obs, err := otelwebhooks.New(otelwebhooks.WithMeterProvider(p.meter(b)), otelwebhooks.WithTracerProvider(p.tracer(b)))
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					obs.EndDelivery(obs.StartDelivery(ctx), d.d)
				}
			})
		}
	}

	b.Run("sdk/handled/parallel", func(b *testing.B) {
		obs, err := otelwebhooks.New(otelwebhooks.WithMeterProvider(sdkMeter(b)), otelwebhooks.WithTracerProvider(sdkTracer(b)))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				obs.EndDelivery(obs.StartDelivery(ctx), handled)
			}
		})
	})
}
