package otelwebhooks_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/otelwebhooks"
)

// With the global providers: set them once at start-up, then give the observer to the
// adapters' WithObserver option, e.g. nethttp.Handler(verifier, mux,
// nethttp.WithObserver(observer)).
func ExampleNew() {
	meterProvider := sdkmetric.NewMeterProvider( /* sdkmetric.WithReader(a Prometheus or OTLP exporter) */ )
	tracerProvider := sdktrace.NewTracerProvider( /* sdktrace.WithBatcher(an OTLP exporter) */ )
	defer func() { _ = meterProvider.Shutdown(context.Background()) }()
	defer func() { _ = tracerProvider.Shutdown(context.Background()) }()
	otel.SetMeterProvider(meterProvider)
	otel.SetTracerProvider(tracerProvider)

	observer, err := otelwebhooks.New()
	if err != nil {
		log.Fatal(err)
	}
	_ = observer // nethttp.WithObserver(observer), ginadapter.WithObserver(observer), …
}

// What the observer records of two deliveries, reported the way every adapter reports
// them: one handled, one refused because its signature matched no secret.
func ExampleObserver() {
	reader := sdkmetric.NewManualReader()
	observer, err := otelwebhooks.New(otelwebhooks.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		log.Fatal(err)
	}

	for _, d := range []core.Delivery{
		{Outcome: core.OutcomeHandled, Status: 200, EventType: core.BatchCompleted, Verification: 40 * time.Microsecond, Handler: 2 * time.Millisecond},
		{Outcome: core.OutcomeRefused, Reason: core.ReasonNoMatchingSignature, Status: 400, Verification: 30 * time.Microsecond},
	} {
		ctx := observer.StartDelivery(context.Background())
		observer.EndDelivery(ctx, d)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
			for _, p := range sum.DataPoints {
				fmt.Printf("%s{%s} %d\n", m.Name, p.Attributes.Encoded(attribute.DefaultEncoder()), p.Value)
			}
		}
	}
	// Unordered output:
	// openai.webhooks.deliveries{event_type=batch.completed,outcome=handled} 1
	// openai.webhooks.deliveries{outcome=refused,reason=no_matching_signature} 1
}
