package lambdaadapter

import (
	"encoding/json"
	"errors"
	"strings"
)

// ErrUnrecognizedEvent is returned by Handler's Invoke for a payload that is not the
// event of an API Gateway REST API, HTTP API, function URL or ALB target group: the
// function is wired to another trigger (SQS, EventBridge, a test event from the console).
// No HTTP client is waiting for such an invocation, so it fails as a Lambda function
// error rather than answering an HTTP status.
var ErrUnrecognizedEvent = errors.New("lambdaadapter: not an API Gateway, function URL or ALB request event")

// source is where an event came from; it decides the event's type and the response shape.
type source int

const (
	sourceRESTAPI     source = iota + 1 // API Gateway REST API, or an HTTP API with payload format 1.0
	sourceHTTPAPI                       // API Gateway HTTP API, payload format 2.0
	sourceFunctionURL                   // Lambda function URL (payload 2.0 too)
	sourceALB                           // Application Load Balancer target group
)

func (s source) String() string {
	switch s {
	case sourceRESTAPI:
		return "API Gateway REST API (payload 1.0)"
	case sourceHTTPAPI:
		return "API Gateway HTTP API (payload 2.0)"
	case sourceFunctionURL:
		return "Lambda function URL"
	case sourceALB:
		return "Application Load Balancer"
	default:
		return "unknown"
	}
}

// probe is the little of an event that tells the sources apart.
type probe struct {
	Version        string `json:"version"`
	RequestContext *struct {
		HTTP         json.RawMessage `json:"http"`
		ELB          json.RawMessage `json:"elb"`
		HTTPMethod   string          `json:"httpMethod"`
		ResourcePath string          `json:"resourcePath"`
		DomainName   string          `json:"domainName"`
	} `json:"requestContext"`
}

// detect tells the source of an event from its JSON, by the fields each source always
// sends:
//   - ALB: requestContext.elb (the target group's ARN);
//   - payload 2.0: "version":"2.0" and requestContext.http; a function URL's
//     requestContext.domainName is "<url-id>.lambda-url.<region>.on.aws" (function URLs
//     have no custom domains; CloudFront in front must forward that host), anything else
//     is an HTTP API, whose domain is execute-api's or a custom one;
//   - payload 1.0 (REST APIs, and HTTP APIs set to 1.0): requestContext.httpMethod or
//     requestContext.resourcePath.
func detect(payload []byte) (source, error) {
	var p probe
	if err := json.Unmarshal(payload, &p); err != nil {
		return 0, unrecognized("the payload is not a JSON object of the expected shape")
	}
	rc := p.RequestContext
	switch {
	case rc == nil:
		return 0, unrecognized("it has no requestContext")
	case present(rc.ELB):
		return sourceALB, nil
	case p.Version == "2.0" && present(rc.HTTP):
		if strings.Contains(rc.DomainName, ".lambda-url.") {
			return sourceFunctionURL, nil
		}
		return sourceHTTPAPI, nil
	case rc.HTTPMethod != "" || rc.ResourcePath != "":
		return sourceRESTAPI, nil
	default:
		return 0, unrecognized("its requestContext has neither elb, http (payload 2.0) nor httpMethod (payload 1.0)")
	}
}

func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

func unrecognized(why string) error { return &unrecognizedEvent{why: why} }

// unrecognizedEvent is ErrUnrecognizedEvent with the reason. Lambda reports the type name
// of a handler's error as the invocation's errorType: "unrecognizedEvent" says more in
// CloudWatch than fmt's "wrapError".
type unrecognizedEvent struct{ why string }

func (e *unrecognizedEvent) Error() string { return ErrUnrecognizedEvent.Error() + ": " + e.why }

func (e *unrecognizedEvent) Unwrap() error { return ErrUnrecognizedEvent }
