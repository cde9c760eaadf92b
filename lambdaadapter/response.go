package lambdaadapter

import (
	"net/http"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// Response is an answer to the sender before the adapter puts it in the response shape
// of the event's source (API Gateway, function URL or ALB). ErrorHandlers return it.
type Response struct {
	StatusCode int
	Headers    map[string]string // single-valued; sent as multiValueHeaders when the request came that way
	Body       string            // text, sent as it is (never base64-encoded)
}

func jsonResponse(status int, body []byte) Response {
	return Response{StatusCode: status, Headers: map[string]string{"Content-Type": receive.ContentType}, Body: string(body)}
}

// multiValue returns r's headers as a multi-value map, for sources that were sent
// multiValueHeaders: an ALB target group with multi-value headers on reads only those.
func (r Response) multiValue() map[string][]string {
	m := make(map[string][]string, len(r.Headers))
	for k, v := range r.Headers {
		m[k] = []string{v}
	}
	return m
}

// restAPI is r as an API Gateway REST API (payload 1.0) answer: in multiValueHeaders when
// the request carried them (API Gateway merges the two maps, which would repeat a header
// given in both), else in headers.
func (r Response) restAPI(multi bool) events.APIGatewayProxyResponse {
	out := events.APIGatewayProxyResponse{StatusCode: r.StatusCode, Body: r.Body}
	if multi {
		out.MultiValueHeaders = r.multiValue()
	} else {
		out.Headers = r.Headers
	}
	return out
}

func (r Response) httpAPI() events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{StatusCode: r.StatusCode, Headers: r.Headers, Body: r.Body}
}

func (r Response) functionURL() events.LambdaFunctionURLResponse {
	return events.LambdaFunctionURLResponse{StatusCode: r.StatusCode, Headers: r.Headers, Body: r.Body}
}

// alb is r as an ALB target group answer, with the statusDescription ALB requires ("200
// OK") and the headers in the map the target group reads: multiValueHeaders when it sent
// them (multi-value headers enabled), else headers.
func (r Response) alb(multi bool) events.ALBTargetGroupResponse {
	out := events.ALBTargetGroupResponse{StatusCode: r.StatusCode, StatusDescription: statusDescription(r.StatusCode), Body: r.Body}
	if multi {
		out.MultiValueHeaders = r.multiValue()
	} else {
		out.Headers = r.Headers
	}
	return out
}

func statusDescription(status int) string {
	if text := http.StatusText(status); text != "" {
		return strconv.Itoa(status) + " " + text
	}
	return strconv.Itoa(status)
}
