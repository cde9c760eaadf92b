package otelwebhooks_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/otelwebhooks"
)

// telemetry is an Observer on the OpenTelemetry SDK with in-memory readers.
type telemetry struct {
	obs    *otelwebhooks.Observer
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
}

func newTelemetry(t testing.TB) *telemetry {
	t.Helper()
	tm := &telemetry{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(tm.reader))
	tm.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tm.spans))
	t.Cleanup(func() {
		_ = mp.Shutdown(context.Background())
		_ = tm.tp.Shutdown(context.Background())
	})
	var err error
	// The zero Option changes nothing: the metrics and spans still reach mp and tm.tp.
	if tm.obs, err = otelwebhooks.New(otelwebhooks.WithMeterProvider(mp), otelwebhooks.WithTracerProvider(tm.tp), otelwebhooks.Option{}); err != nil {
		t.Fatal(err)
	}
	return tm
}

// point is one histogram point: its count and sum.
type point struct {
	count uint64
	sum   float64
}

// metrics is what the reader collected, each instrument by its attributes (labels).
type metrics struct {
	deliveries   map[string]int64
	verification map[string]point
	handler      map[string]point
}

// collect reads the metrics and checks the instruments' kinds and units.
func (tm *telemetry) collect(t testing.TB) metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tm.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	m := metrics{deliveries: map[string]int64{}, verification: map[string]point{}, handler: map[string]point{}}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelwebhooks.ScopeName {
			t.Errorf("instrumentation scope %q, want %q", sm.Scope.Name, otelwebhooks.ScopeName)
		}
		for _, md := range sm.Metrics {
			switch md.Name {
			case otelwebhooks.MetricDeliveries:
				sum, ok := md.Data.(metricdata.Sum[int64])
				if !ok || !sum.IsMonotonic || sum.Temporality != metricdata.CumulativeTemporality || md.Unit != "{delivery}" {
					t.Fatalf("%s is %T in %q, want a monotonic cumulative int64 sum in {delivery}", md.Name, md.Data, md.Unit)
				}
				for _, dp := range sum.DataPoints {
					m.deliveries[labels(dp.Attributes)] += dp.Value
				}
			case otelwebhooks.MetricVerificationDuration, otelwebhooks.MetricHandlerDuration:
				h, ok := md.Data.(metricdata.Histogram[float64])
				if !ok || md.Unit != "s" {
					t.Fatalf("%s is %T in %q, want a float64 histogram in s", md.Name, md.Data, md.Unit)
				}
				into := m.verification
				if md.Name == otelwebhooks.MetricHandlerDuration {
					into = m.handler
				}
				for _, dp := range h.DataPoints {
					if len(dp.Bounds) == 0 || dp.Bounds[0] >= 0.01 || dp.Bounds[len(dp.Bounds)-1] < 10 {
						t.Errorf("%s has the buckets %v, want bounds in seconds from under 10 ms to at least 10 s", md.Name, dp.Bounds)
					}
					p := into[labels(dp.Attributes)]
					into[labels(dp.Attributes)] = point{p.count + dp.Count, p.sum + dp.Sum}
				}
			default:
				t.Errorf("unexpected instrument %s", md.Name)
			}
		}
	}
	return m
}

// labels writes a set of attributes as "k=v,k=v", sorted by key.
func labels(s attribute.Set) string { return s.Encoded(attribute.DefaultEncoder()) }

// want returns the labels a delivery of outcome, reason and type should carry.
func want(outcome core.Outcome, reason core.Reason, typ core.EventType) string {
	kv := []attribute.KeyValue{attribute.String("outcome", string(outcome))}
	if reason != "" {
		kv = append(kv, attribute.String("reason", string(reason)))
	}
	if typ != "" {
		kv = append(kv, attribute.String("event_type", string(typ)))
	}
	return labels(attribute.NewSet(kv...))
}

// spanAttrs returns a span's attributes as a map of their values' text.
func spanAttrs(s sdktrace.ReadOnlySpan) map[string]string {
	m := map[string]string{}
	for _, kv := range s.Attributes() {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

// sortedKeys is for failure messages.
func sortedKeys[V any](m map[string]V) string {
	return strings.Join(slices.Sorted(maps.Keys(m)), "; ")
}
