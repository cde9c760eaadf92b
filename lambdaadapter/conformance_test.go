package lambdaadapter_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/conformance"
	"github.com/webhookkit/openai-webhooks/lambdaadapter"
)

// TestConformance runs the shared suite through Handler once per source shape: each
// driver serves loopback HTTP, turns every request into the event that source would send
// the function (the exact body bytes, base64-encoded or not; header names in the case
// that source uses; one map or two), invokes the handler in-process with its JSON, and
// writes the answer back from the source's response shape.
func TestConformance(t *testing.T) {
	for _, s := range shapes() {
		t.Run(s.name, func(t *testing.T) {
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
	return conformance.AdapterOptions(o, lambdaadapter.WithMaxBodyBytes, lambdaadapter.WithIdempotency, lambdaadapter.WithLogger)
}

// shape is one way a Lambda function receives HTTP requests.
type shape struct {
	name   string
	base64 bool                                             // send the body base64-encoded
	name2  func(string) string                              // how the source spells a header name
	event  func(method, path string, b body, h headers) any // the event of the request
	multi  bool                                             // the answer must come in multiValueHeaders
	alb    bool                                             // the answer must have ALB's statusDescription
}

// body is a request body as the event carries it.
type body struct {
	text     string
	isBase64 bool
}

// headers are a request's headers, names spelled as the source spells them.
type headers struct {
	all  map[string][]string // every value, in order
	last map[string]string   // the last value of each (REST APIs' and ALB's headers)
	join map[string]string   // values joined with commas (HTTP APIs' and function URLs' headers)
}

func shapes() []shape {
	asSent := func(name string) string { return name } // net/http's canonical form, e.g. Webhook-Id
	restAPI := func(method, path string, b body, h headers) any {
		return events.APIGatewayProxyRequest{
			Resource: path, Path: path, HTTPMethod: method,
			Headers: h.last, MultiValueHeaders: h.all,
			RequestContext: events.APIGatewayProxyRequestContext{
				ResourcePath: path, HTTPMethod: method, Stage: "prod", RequestID: "req-1",
				DomainName: "abc123.execute-api.us-east-1.amazonaws.com", APIID: "abc123",
			},
			Body: b.text, IsBase64Encoded: b.isBase64,
		}
	}
	httpAPI := func(method, path string, b body, h headers) any {
		return events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: method + " " + path, RawPath: path, Headers: h.join,
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RouteKey: method + " " + path, Stage: "$default", RequestID: "req-2", APIID: "abc123",
				DomainName: "abc123.execute-api.us-east-1.amazonaws.com",
				HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1"},
			},
			Body: b.text, IsBase64Encoded: b.isBase64,
		}
	}
	functionURL := func(method, path string, b body, h headers) any {
		return events.LambdaFunctionURLRequest{
			Version: "2.0", RawPath: path, Headers: h.join,
			RequestContext: events.LambdaFunctionURLRequestContext{
				RequestID: "req-3", APIID: "urlid123", DomainPrefix: "urlid123",
				DomainName: "urlid123.lambda-url.us-east-1.on.aws",
				HTTP:       events.LambdaFunctionURLRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1"},
			},
			Body: b.text, IsBase64Encoded: b.isBase64,
		}
	}
	alb := func(multi bool) func(method, path string, b body, h headers) any {
		return func(method, path string, b body, h headers) any {
			e := events.ALBTargetGroupRequest{
				HTTPMethod: method, Path: path,
				RequestContext: events.ALBTargetGroupRequestContext{ELB: events.ELBContext{TargetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/webhooks/0123456789abcdef"}},
				Body:           b.text, IsBase64Encoded: b.isBase64,
			}
			if multi {
				e.MultiValueHeaders = h.all
			} else {
				e.Headers = h.last
			}
			return e
		}
	}
	return []shape{
		{name: "REST API, plain body, names as sent", name2: asSent, event: restAPI, multi: true},
		{name: "REST API, base64 body, upper-case names", base64: true, name2: strings.ToUpper, event: restAPI, multi: true},
		{name: "HTTP API, base64 body", base64: true, name2: strings.ToLower, event: httpAPI},
		{name: "HTTP API, plain body", name2: strings.ToLower, event: httpAPI},
		{name: "function URL, base64 body", base64: true, name2: strings.ToLower, event: functionURL},
		{name: "function URL, plain body", name2: strings.ToLower, event: functionURL},
		{name: "ALB, plain body", name2: strings.ToLower, event: alb(false), alb: true},
		{name: "ALB, base64 body, multi-value headers, names as sent", base64: true, name2: asSent, event: alb(true), multi: true, alb: true},
	}
}

// serve returns an HTTP server's handler that passes each request to h as s's event.
func (s shape) serve(t *testing.T, h lambdaInvoker) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b := body{text: string(raw)}
		if s.base64 {
			b = body{text: base64.StdEncoding.EncodeToString(raw), isBase64: true}
		}
		hs := headers{all: map[string][]string{}, last: map[string]string{}, join: map[string]string{}}
		for name, values := range r.Header {
			n := s.name2(name)
			hs.all[n] = values
			hs.last[n] = values[len(values)-1]
			hs.join[n] = strings.Join(values, ",")
		}
		payload, err := json.Marshal(s.event(r.Method, r.URL.Path, b, hs))
		if err != nil {
			t.Errorf("encoding the event: %v", err)
			return
		}
		out, err := h.Invoke(r.Context(), payload)
		if err != nil {
			t.Errorf("the invocation failed: %v", err)
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		resp, err := s.response(out)
		if err != nil {
			t.Errorf("the answer %s: %v", out, err)
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
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

// lambdaInvoker is lambda.Handler.
type lambdaInvoker interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// anyResponse holds the fields of every source's response shape.
type anyResponse struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription string              `json:"statusDescription"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// response decodes an answer and checks that it has the shape s's source reads.
func (s shape) response(out []byte) (anyResponse, error) {
	var r anyResponse
	if err := json.Unmarshal(out, &r); err != nil {
		return r, err
	}
	switch {
	case r.IsBase64Encoded:
		return r, fmt.Errorf("the body is marked base64-encoded")
	case s.multi && (len(r.Headers) != 0 || len(r.MultiValueHeaders) == 0):
		return r, fmt.Errorf("the request came with multiValueHeaders, the answer must use them (and only them)")
	case !s.multi && (len(r.MultiValueHeaders) != 0 || len(r.Headers) == 0):
		return r, fmt.Errorf("the request came with headers only, the answer must use them (and only them)")
	case s.alb && r.StatusDescription != fmt.Sprintf("%d %s", r.StatusCode, http.StatusText(r.StatusCode)):
		return r, fmt.Errorf("ALB needs the statusDescription %d %s", r.StatusCode, http.StatusText(r.StatusCode))
	case !s.alb && r.StatusDescription != "":
		return r, fmt.Errorf("statusDescription is ALB's only")
	}
	return r, nil
}
