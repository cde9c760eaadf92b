// Package testotel gives tests an otelwebhooks.Observer on an in-memory meter provider,
// and reads its delivery counter back, so that a test can check what an operator's
// dashboard would show.
package testotel

import (
	"context"
	"slices"
	"strings"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/webhookkit/openai-webhooks/otelwebhooks"
)

// Meter is an observer and the reader of its metrics.
type Meter struct {
	Observer *otelwebhooks.Observer
	reader   *sdkmetric.ManualReader
}

// New returns an observer recording to a meter of its own.
func New(t testing.TB) *Meter {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	obs, err := otelwebhooks.New(otelwebhooks.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		t.Fatal(err)
	}
	return &Meter{Observer: obs, reader: reader}
}

// Deliveries returns the counter openai.webhooks.deliveries by its attributes, written
// key=value,… in key order, such as "event_type=batch.completed,outcome=duplicate".
func (m *Meter) Deliveries(t testing.TB) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := m.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, metric := range sm.Metrics {
			sum, ok := metric.Data.(metricdata.Sum[int64])
			if metric.Name != otelwebhooks.MetricDeliveries || !ok {
				continue
			}
			for _, p := range sum.DataPoints {
				var labels []string
				for _, kv := range p.Attributes.ToSlice() {
					labels = append(labels, string(kv.Key)+"="+kv.Value.String())
				}
				slices.Sort(labels)
				got[strings.Join(labels, ",")] += p.Value
			}
		}
	}
	return got
}
