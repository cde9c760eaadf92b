package lambdaadapter

import (
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/webhookkit/openai-webhooks/core"
)

// request is what the adapter reads of any source's event: the body as the event carries
// it, and the header maps. Which maps are set depends on the source: REST APIs send both
// (headers with the last value of a repeated header, multiValueHeaders with all of them),
// HTTP APIs and function URLs only headers (names lower-cased, repeated values joined
// with commas), ALB one or the other, as its target group is configured.
type request struct {
	body     string
	isBase64 bool
	headers  map[string]string
	multi    map[string][]string
}

func fromRESTAPI(e *events.APIGatewayProxyRequest) request {
	return request{body: e.Body, isBase64: e.IsBase64Encoded, headers: e.Headers, multi: e.MultiValueHeaders}
}

func fromHTTPAPI(e *events.APIGatewayV2HTTPRequest) request {
	return request{body: e.Body, isBase64: e.IsBase64Encoded, headers: e.Headers}
}

func fromFunctionURL(e *events.LambdaFunctionURLRequest) request {
	return request{body: e.Body, isBase64: e.IsBase64Encoded, headers: e.Headers}
}

func fromALB(e *events.ALBTargetGroupRequest) request {
	return request{body: e.Body, isBase64: e.IsBase64Encoded, headers: e.Headers, multi: e.MultiValueHeaders}
}

// webhookHeaders reads the three webhook headers the way the net/http adapter reads a
// request's: names in any letter case, and of several values the first (white space
// around a value is trimmed by the verifier).
func (r request) webhookHeaders() core.Headers {
	return core.Headers{
		ID:        r.header(core.HeaderID),
		Timestamp: r.header(core.HeaderTimestamp),
		Signature: r.header(core.HeaderSignature),
	}
}

// header returns the first value of name in multiValueHeaders, which keeps every value
// in the order sent, and else the value in headers.
func (r request) header(name string) string {
	if values, ok := lookup(r.multi, name); ok && len(values) > 0 {
		return values[0]
	}
	v, _ := lookup(r.headers, name)
	return v
}

// lookup finds name (lower case) in m whatever the letter case of m's keys: the key as
// HTTP APIs send it first, then any other case. When several keys differ only in case,
// the smallest wins, so that the result does not depend on map order.
func lookup[V any](m map[string]V, name string) (V, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	var (
		found string
		value V
		ok    bool
	)
	for k, v := range m {
		if strings.EqualFold(k, name) && (!ok || k < found) {
			found, value, ok = k, v, true
		}
	}
	return value, ok
}
