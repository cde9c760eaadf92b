package lambdaadapter_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testrie"
	"github.com/webhookkit/openai-webhooks/lambdaadapter"
)

// BenchmarkHandler invokes Handler with an HTTP API event carrying a genuine 400-byte
// delivery, base64-encoded, for a no-op handler: the whole invocation, from the payload
// JSON to the answer's.
func BenchmarkHandler(b *testing.B) {
	_, v, s := conformance.Keys(b)
	h := lambdaadapter.Handler(v, core.HandlerFunc(func(context.Context, *core.Event) error { return nil }))
	body := conformance.PaddedEvent(conformance.BenchBodySize)
	header := conformance.SignedRequest(b, s, "http://localhost/", body).Header
	payload := testrie.Event(testrie.HTTPAPI, conformance.Path, header, body, true)
	ctx := context.Background()
	if out, err := h.Invoke(ctx, payload); err != nil || !bytes.Contains(out, []byte(`"statusCode":200`)) {
		b.Fatalf("the delivery was answered %s, %v; want 200", out, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
	}
}
