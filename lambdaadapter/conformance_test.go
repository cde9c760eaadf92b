package lambdaadapter_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testrie"
	"github.com/webhookkit/openai-webhooks/lambdaadapter"
)

// TestConformance runs the shared suite through Handler once per source shape: each
// driver serves loopback HTTP, turns every request into the event that source would send
// the function (the exact body bytes, base64-encoded or not; header names in the case
// the source or the variant uses; one map or two), invokes the handler in-process with
// its JSON, and writes the answer back from the source's response shape, which must be
// the one the source reads.
func TestConformance(t *testing.T) {
	asSent := func(name string) string { return name } // net/http's canonical form, e.g. Webhook-Id
	for _, s := range []shape{
		{source: testrie.RESTAPI, names: asSent},
		{source: testrie.RESTAPI, base64: true, names: strings.ToUpper},
		{source: testrie.HTTPAPI, base64: true, names: asSent}, // lower-cased by the source
		{source: testrie.HTTPAPI, names: asSent},
		{source: testrie.FunctionURL, base64: true, names: asSent},
		{source: testrie.FunctionURL, names: asSent},
		{source: testrie.ALB, names: strings.ToLower},
		{source: testrie.ALB, base64: true, names: asSent},
		{source: testrie.ALBMultiValue, names: strings.ToLower},
		{source: testrie.ALBMultiValue, base64: true, names: strings.ToUpper},
	} {
		t.Run(s.String(), func(t *testing.T) {
			conformance.Run(t, conformance.Driver{
				NoMiddleware: true,
				Handler: func(t *testing.T, v *core.Verifier, o conformance.Options, h core.Handler) string {
					return conformance.Serve(t, s.serve(t, lambdaadapter.Handler(v, h, options(o)...)))
				},
			})
		})
	}
}

func options(o conformance.Options) []lambdaadapter.Option {
	return conformance.AdapterOptions(o, lambdaadapter.WithMaxBodyBytes, lambdaadapter.WithIdempotency, lambdaadapter.WithLogger, lambdaadapter.WithDiagnosis, lambdaadapter.WithObserver)
}

// shape is one way a Lambda function receives HTTP requests.
type shape struct {
	source testrie.Source
	base64 bool                // the body is base64-encoded
	names  func(string) string // how the header names are spelled
}

func (s shape) String() string {
	body := "plain body"
	if s.base64 {
		body = "base64 body"
	}
	name := s.names("Webhook-Id")
	if s.source == testrie.HTTPAPI || s.source == testrie.FunctionURL {
		name = strings.ToLower(name) // as these sources pass it
	}
	return s.source.String() + ", " + body + ", names like " + name
}

// invoker is lambda.Handler.
type invoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// serve returns an HTTP server's handler that passes each request to h as s's event.
func (s shape) serve(t *testing.T, h invoker) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		header := http.Header{}
		for name, values := range r.Header {
			header[s.names(name)] = values
		}
		out, err := h.Invoke(r.Context(), testrie.Event(s.source, r.URL.Path, header, body, s.base64))
		if err != nil {
			t.Errorf("the invocation failed: %v", err)
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		var resp testrie.Response
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Errorf("the answer %s does not decode: %v", out, err)
		}
		if msg := testrie.CheckShape(s.source, resp); msg != "" {
			t.Errorf("the answer %s: %s", out, msg)
		}
		for name, values := range resp.MultiValueHeaders {
			w.Header()[name] = values
		}
		for name, value := range resp.Headers {
			w.Header().Set(name, value)
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.WriteString(w, resp.Body)
	})
}
