package otelwebhooks_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/otelwebhooks"
)

// Count the deliveries of a net/http endpoint by outcome and refusal reason. Every
// adapter has the same WithObserver option.
func ExampleNew_nethttp() {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // in a program: core.NewVerifierFromEnv()
	verifier, err := core.NewVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	reader := sdkmetric.NewManualReader() // in a program: the Prometheus or OTLP exporter
	observer, err := otelwebhooks.New(otelwebhooks.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	if err != nil {
		log.Fatal(err)
	}
	handler := core.HandlerFunc(func(ctx context.Context, e *core.Event) error { return nil })
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/openai", nethttp.Handler(verifier, handler, nethttp.WithObserver(observer)))

	// A delivery signed with the secret, and one signed with another.
	body := `{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`
	for _, key := range []string{secret, "whsec_" + strings.Repeat("A", 43) + "="} {
		signer, err := core.NewSigner(key)
		if err != nil {
			log.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/webhooks/openai", strings.NewReader(body))
		signer.Headers(core.NewWebhookID(), time.Now(), []byte(body)).Set(req.Header)
		mux.ServeHTTP(httptest.NewRecorder(), req)
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
