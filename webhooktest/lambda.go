package webhooktest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/webhookkit/openai-webhooks/internal/lambdaevent"
)

// LambdaSource names an HTTP front of AWS Lambda, whose request event LambdaPayload
// wraps a delivery in. Its values are the names the CLI's sign --lambda takes.
type LambdaSource string

// The Lambda sources.
const (
	// LambdaHTTPAPI is an API Gateway HTTP API, payload format 2.0 (HTTPAPIEvent).
	LambdaHTTPAPI LambdaSource = "v2"
	// LambdaFunctionURL is a Lambda function URL (FunctionURLEvent).
	LambdaFunctionURL LambdaSource = "url"
	// LambdaRESTAPI is an API Gateway REST API with a Lambda proxy integration, payload
	// format 1.0 (RESTAPIEvent).
	LambdaRESTAPI LambdaSource = "v1"
	// LambdaALB is an Application Load Balancer target group (ALBEvent).
	LambdaALB LambdaSource = "alb"
)

// LambdaSources lists every LambdaSource.
func LambdaSources() []LambdaSource {
	return []LambdaSource{LambdaHTTPAPI, LambdaFunctionURL, LambdaRESTAPI, LambdaALB}
}

// LambdaOption sets a detail of a Lambda request event made from a delivery:
// WithLambdaPath, WithBase64Body or WithMultiValueHeaders. By default the event is a POST
// to /webhooks/openai with the body as plain text. A nil or zero LambdaOption changes
// nothing.
type LambdaOption struct {
	apply func(*lambdaEvent)
}

type lambdaEvent struct {
	path       string
	base64     bool
	multiValue bool
}

// WithLambdaPath sets the request path of the event (default "/webhooks/openai").
func WithLambdaPath(path string) LambdaOption {
	return LambdaOption{func(e *lambdaEvent) { e.path = path }}
}

// WithBase64Body carries the body base64-encoded, with isBase64Encoded set, as HTTP APIs
// and function URLs often do: the receiver must verify the decoded bytes. A body that is
// not valid UTF-8 is carried so without it.
func WithBase64Body() LambdaOption {
	return LambdaOption{func(e *lambdaEvent) { e.base64 = true }}
}

// WithMultiValueHeaders makes ALBEvent the event of a target group with multi-value
// headers on (multiValueHeaders only, instead of headers only). The other sources'
// events do not change: a REST API always sends both maps, an HTTP API and a function
// URL only headers.
func WithMultiValueHeaders() LambdaOption {
	return LambdaOption{func(e *lambdaEvent) { e.multiValue = true }}
}

// newLambdaEvent applies opts to the defaults for body. A body that is not valid UTF-8
// is carried base64-encoded whatever the options: as JSON text its bytes would change
// (to U+FFFD) and the signature no longer match, and the fronts encode such bodies too.
func newLambdaEvent(body []byte, opts []LambdaOption) lambdaEvent {
	e := lambdaEvent{path: "/webhooks/openai", base64: !utf8.Valid(body)}
	for _, o := range opts {
		if o.apply != nil {
			o.apply(&e)
		}
	}
	return e
}

// HTTPAPIEvent returns the delivery as the event an API Gateway HTTP API (payload 2.0)
// sends a function: header names lower-cased, in headers only. Pass it to
// lambdaadapter.HTTPAPI's function, or marshal it for Handler (LambdaPayload does).
func (d Delivery) HTTPAPIEvent(opts ...LambdaOption) events.APIGatewayV2HTTPRequest {
	e := newLambdaEvent(d.Body, opts)
	return lambdaevent.HTTPAPI(e.path, d.Header(), d.Body, e.base64)
}

// FunctionURLEvent returns the delivery as the event a Lambda function URL sends:
// header names lower-cased, in headers only, under a lambda-url domain.
func (d Delivery) FunctionURLEvent(opts ...LambdaOption) events.LambdaFunctionURLRequest {
	e := newLambdaEvent(d.Body, opts)
	return lambdaevent.FunctionURL(e.path, d.Header(), d.Body, e.base64)
}

// RESTAPIEvent returns the delivery as the event an API Gateway REST API with a Lambda
// proxy integration (payload 1.0) sends: headers and multiValueHeaders.
func (d Delivery) RESTAPIEvent(opts ...LambdaOption) events.APIGatewayProxyRequest {
	e := newLambdaEvent(d.Body, opts)
	return lambdaevent.RESTAPI(e.path, d.Header(), d.Body, e.base64)
}

// ALBEvent returns the delivery as the event an Application Load Balancer target group
// sends: headers only, or multiValueHeaders only with WithMultiValueHeaders.
func (d Delivery) ALBEvent(opts ...LambdaOption) events.ALBTargetGroupRequest {
	e := newLambdaEvent(d.Body, opts)
	return lambdaevent.ALB(e.path, d.Header(), d.Body, e.base64, e.multiValue)
}

// LambdaPayload returns the JSON of the event src sends a function for the delivery:
// the payload of lambdaadapter.Handler(…).Invoke, of `aws lambda invoke`, or of the
// Lambda runtime interface emulator. It panics when src is not one of LambdaSources.
func (d Delivery) LambdaPayload(src LambdaSource, opts ...LambdaOption) []byte {
	var e any
	switch src {
	case LambdaHTTPAPI:
		e = d.HTTPAPIEvent(opts...)
	case LambdaFunctionURL:
		e = d.FunctionURLEvent(opts...)
	case LambdaRESTAPI:
		e = d.RESTAPIEvent(opts...)
	case LambdaALB:
		e = d.ALBEvent(opts...)
	default:
		panic(fmt.Sprintf("webhooktest: LambdaPayload: unknown Lambda source %q (want one of %v)", src, LambdaSources()))
	}
	b, err := json.Marshal(e)
	if err != nil {
		panic("webhooktest: LambdaPayload: " + err.Error()) // the events types always marshal
	}
	return b
}
