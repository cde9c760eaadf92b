package testrie

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/webhookkit/openai-webhooks/internal/lambdaevent"
)

// Source is an HTTP front of Lambda, whose request events Event builds.
type Source int

// The sources, with how each passes a request's headers to the function.
const (
	// RESTAPI is an API Gateway REST API (payload 1.0): headers (the last value of each)
	// and multiValueHeaders (all of them), names as sent.
	RESTAPI Source = iota + 1
	// HTTPAPI is an API Gateway HTTP API (payload 2.0): headers only, names lower-cased,
	// repeated values joined with commas.
	HTTPAPI
	// FunctionURL is a Lambda function URL: as HTTPAPI, under a lambda-url domain.
	FunctionURL
	// ALB is an Application Load Balancer target group: headers only, the last value of each.
	ALB
	// ALBMultiValue is an ALB target group with multi-value headers on: multiValueHeaders only.
	ALBMultiValue
)

// Sources lists every Source.
func Sources() []Source { return []Source{RESTAPI, HTTPAPI, FunctionURL, ALB, ALBMultiValue} }

// String names the source as test names and failure messages show it.
func (s Source) String() string {
	switch s {
	case RESTAPI:
		return "REST API"
	case HTTPAPI:
		return "HTTP API"
	case FunctionURL:
		return "function URL"
	case ALB:
		return "ALB"
	case ALBMultiValue:
		return "ALB multi-value"
	default:
		return "unknown source"
	}
}

// Multi reports whether the source sends multiValueHeaders, so that the answer must use
// them.
func (s Source) Multi() bool { return s == RESTAPI || s == ALBMultiValue }

// Event returns the JSON of the event src sends a function for a POST of body to path
// with header (names as the sender spelled them, except where src changes them), the body
// base64-encoded when isBase64 is set, as the front does for binary media types (and
// HTTP APIs and function URLs at their discretion).
func Event(src Source, path string, header http.Header, body []byte, isBase64 bool) []byte {
	var e any
	switch src {
	case RESTAPI:
		e = lambdaevent.RESTAPI(path, header, body, isBase64)
	case HTTPAPI:
		e = lambdaevent.HTTPAPI(path, header, body, isBase64)
	case FunctionURL:
		e = lambdaevent.FunctionURL(path, header, body, isBase64)
	case ALB, ALBMultiValue:
		e = lambdaevent.ALB(path, header, body, isBase64, src == ALBMultiValue)
	default:
		panic("testrie: unknown source")
	}
	b, err := json.Marshal(e)
	if err != nil {
		panic("testrie: " + err.Error())
	}
	return b
}

// Response holds the fields of every source's response shape.
type Response struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription string              `json:"statusDescription"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
	// ErrorMessage and ErrorType are set when the invocation failed instead.
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// Header returns the first value of name in r's headers, in whichever map holds it.
func (r Response) Header(name string) string {
	for k, v := range r.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// CheckShape returns what is wrong with r as an answer to an event of src, or "": the
// headers in multiValueHeaders only when the request had them (else in headers only),
// ALB's statusDescription ("200 OK") for ALB only, and a text body.
func CheckShape(src Source, r Response) string {
	alb := src == ALB || src == ALBMultiValue
	description := fmt.Sprintf("%d %s", r.StatusCode, http.StatusText(r.StatusCode))
	switch {
	case r.ErrorMessage != "":
		return "the invocation failed: " + r.ErrorMessage
	case r.IsBase64Encoded:
		return "the body is marked base64-encoded"
	case src.Multi() && (len(r.Headers) != 0 || len(r.MultiValueHeaders) == 0):
		return "the request came with multiValueHeaders: the answer must use them, and only them"
	case !src.Multi() && (len(r.MultiValueHeaders) != 0 || len(r.Headers) == 0):
		return "the request came with headers only: the answer must use them, and only them"
	case alb && r.StatusDescription != description:
		return fmt.Sprintf("ALB needs the statusDescription %q, not %q", description, r.StatusDescription)
	case !alb && r.StatusDescription != "":
		return "statusDescription is ALB's only"
	}
	return ""
}
