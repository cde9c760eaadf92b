package main

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

func TestServer(t *testing.T) {
	conformance.CheckExample(t, run, "response_id=resp_example", "type=batch.completed", "type=example.future_type")
}

// TestMetrics sends valid, failing, forged, stale and incomplete deliveries, then reads the
// counters back from the Prometheus text of GET /metrics.
func TestMetrics(t *testing.T) {
	secret, _, signer := conformance.Keys(t)
	_, _, other := conformance.Keys(t)
	base, _ := conformance.StartExample(t, run, map[string]string{core.EnvSecret: secret, "PORT": "0", "HOST": "127.0.0.1"})
	url := base + "/webhooks/openai"

	var signatures []string
	send := func(req *http.Request, wantStatus int) {
		t.Helper()
		signatures = append(signatures, req.Header.Get(core.HeaderSignature))
		if status, body := conformance.Do(t, req); status != wantStatus {
			t.Fatalf("got %d %s, want %d", status, body, wantStatus)
		}
	}
	batch := []byte(conformance.ExampleEvents[core.BatchCompleted])
	for range 3 {
		send(conformance.SignedRequest(t, signer, url, batch), http.StatusOK)
	}
	send(conformance.SignedRequest(t, signer, url, []byte(conformance.ExampleEvents[core.ResponseCompleted])), http.StatusOK)
	// Data the handler cannot decode: the handler fails, the receiver's own failure.
	send(conformance.SignedRequest(t, signer, url, []byte(`{"id":"evt_bad","object":"event","created_at":1750861210,"type":"response.completed","data":{"id":42}}`)), http.StatusInternalServerError)
	send(conformance.SignedRequest(t, other, url, batch), http.StatusBadRequest) // the wrong secret
	stale := conformance.SignedRequest(t, signer, url, batch)
	signer.Headers("wh_stale", time.Now().Add(-time.Hour), batch).Set(stale.Header)
	send(stale, http.StatusBadRequest)
	incomplete := conformance.SignedRequest(t, signer, url, batch)
	incomplete.Header.Del(core.HeaderID)
	send(incomplete, http.StatusBadRequest)

	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	status, text := conformance.Do(t, req)
	if status != http.StatusOK || !strings.Contains(text, "openai_webhooks_deliveries_total{") {
		t.Fatalf("GET /metrics: %d, without openai_webhooks_deliveries_total:\n%s", status, text)
	}
	for _, s := range append(signatures, strings.TrimPrefix(secret, "whsec_"), string(batch)) {
		if s != "" && strings.Contains(text, strings.TrimPrefix(s, "v1,")) {
			t.Errorf("/metrics contains a signature, the secret or a body: %q", s)
		}
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v\n%s", err, text)
	}

	wantCounts := map[string]float64{
		`event_type="batch.completed",outcome="handled"`:                          3,
		`event_type="response.completed",outcome="handled"`:                       1,
		`outcome="refused",reason="no_matching_signature"`:                        1,
		`outcome="refused",reason="timestamp_too_old"`:                            1,
		`outcome="refused",reason="missing_header"`:                               1,
		`event_type="response.completed",outcome="failed",reason="handler_error"`: 1,
	}
	if got := samples(families["openai_webhooks_deliveries_total"], (*dto.Metric).GetCounter, (*dto.Counter).GetValue); !maps.Equal(got, wantCounts) {
		t.Errorf("openai_webhooks_deliveries_total:\ngot  %v\nwant %v\n%s", got, wantCounts, text)
	}
	count := func(h *dto.Histogram) float64 { return float64(h.GetSampleCount()) }
	if got := samples(families["openai_webhooks_verification_duration_seconds"], (*dto.Metric).GetHistogram, count); !maps.Equal(got, wantCounts) {
		t.Errorf("openai_webhooks_verification_duration_seconds counts:\ngot  %v\nwant %v", got, wantCounts)
	}
	wantHandler := map[string]float64{
		`event_type="batch.completed",outcome="handled"`:                          3,
		`event_type="response.completed",outcome="handled"`:                       1,
		`event_type="response.completed",outcome="failed",reason="handler_error"`: 1,
	}
	if got := samples(families["openai_webhooks_handler_duration_seconds"], (*dto.Metric).GetHistogram, count); !maps.Equal(got, wantHandler) {
		t.Errorf("openai_webhooks_handler_duration_seconds counts:\ngot  %v\nwant %v", got, wantHandler)
	}
}

// samples returns the values of a family by their labels, written k="v",… in key order,
// without the otel_scope_ labels the exporter adds.
func samples[T any](f *dto.MetricFamily, get func(*dto.Metric) T, value func(T) float64) map[string]float64 {
	got := map[string]float64{}
	for _, m := range f.GetMetric() {
		var labels []string
		for _, l := range m.GetLabel() {
			if !strings.HasPrefix(l.GetName(), "otel_scope_") {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
		}
		slices.Sort(labels)
		got[strings.Join(labels, ",")] += value(get(m))
	}
	return got
}
