// Package lambdaevent builds the request events that Lambda's HTTP fronts send a function
// for a POST, as aws-lambda-go's events types: the one copy behind webhooktest's Lambda
// events (and so the CLI's sign --lambda) and the tests' hand-made events (testrie).
//
// Each event carries what the source always sends and lambdaadapter tells the sources
// apart by: payload 2.0's "version" and requestContext.http, a function URL's
// lambda-url domainName, payload 1.0's requestContext.httpMethod, ALB's
// requestContext.elb.targetGroupArn. The ids in them are fixed examples.
package lambdaevent

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

const method = http.MethodPost

// headerMaps returns header the three ways the sources pass it: every value (names as
// sent), the last value of each name (names as sent), and the values joined with commas
// under lower-cased names.
func headerMaps(header http.Header) (all map[string][]string, last, joined map[string]string) {
	all, last, joined = map[string][]string{}, map[string]string{}, map[string]string{}
	for name, values := range header {
		if len(values) == 0 {
			continue
		}
		all[name] = values
		last[name] = values[len(values)-1]
		joined[strings.ToLower(name)] = strings.Join(values, ",")
	}
	return all, last, joined
}

// bodyText returns the body as the event carries it: the text, or its standard base64
// when isBase64 is set, as the fronts do for binary media types (HTTP APIs and function
// URLs at their own discretion).
func bodyText(body []byte, isBase64 bool) string {
	if isBase64 {
		return base64.StdEncoding.EncodeToString(body)
	}
	return string(body)
}

// RESTAPI returns the event of an API Gateway REST API with a Lambda proxy integration
// (payload 1.0): headers (the last value of each) and multiValueHeaders (all of them),
// names as sent.
func RESTAPI(path string, header http.Header, body []byte, isBase64 bool) events.APIGatewayProxyRequest {
	all, last, _ := headerMaps(header)
	return events.APIGatewayProxyRequest{
		Resource: path, Path: path, HTTPMethod: method, Headers: last, MultiValueHeaders: all,
		RequestContext: events.APIGatewayProxyRequestContext{
			ResourcePath: path, HTTPMethod: method, Stage: "prod", RequestID: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
			DomainName: "abc123.execute-api.us-east-1.amazonaws.com", APIID: "abc123", Path: "/prod" + path,
		},
		Body: bodyText(body, isBase64), IsBase64Encoded: isBase64,
	}
}

// HTTPAPI returns the event of an API Gateway HTTP API (payload 2.0): headers only,
// names lower-cased, repeated values joined with commas.
func HTTPAPI(path string, header http.Header, body []byte, isBase64 bool) events.APIGatewayV2HTTPRequest {
	_, _, joined := headerMaps(header)
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: method + " " + path, RawPath: path, Headers: joined,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: method + " " + path, Stage: "$default", RequestID: "JKJaXmPLvHcESHA=", APIID: "abc123",
			DomainName: "abc123.execute-api.us-east-1.amazonaws.com", DomainPrefix: "abc123",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "192.0.2.1"},
		},
		Body: bodyText(body, isBase64), IsBase64Encoded: isBase64,
	}
}

// FunctionURL returns the event of a Lambda function URL: as HTTPAPI's, under a
// lambda-url domain.
func FunctionURL(path string, header http.Header, body []byte, isBase64 bool) events.LambdaFunctionURLRequest {
	_, _, joined := headerMaps(header)
	return events.LambdaFunctionURLRequest{
		Version: "2.0", RawPath: path, Headers: joined,
		RequestContext: events.LambdaFunctionURLRequestContext{
			RequestID: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", APIID: "urlid123", DomainPrefix: "urlid123",
			DomainName: "urlid123.lambda-url.us-east-1.on.aws",
			HTTP:       events.LambdaFunctionURLRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "192.0.2.1"},
		},
		Body: bodyText(body, isBase64), IsBase64Encoded: isBase64,
	}
}

// ALB returns the event of an Application Load Balancer target group: headers only (the
// last value of each), or multiValueHeaders only (all of them) when the target group has
// multi-value headers on.
func ALB(path string, header http.Header, body []byte, isBase64, multiValue bool) events.ALBTargetGroupRequest {
	all, last, _ := headerMaps(header)
	e := events.ALBTargetGroupRequest{
		HTTPMethod: method, Path: path,
		RequestContext: events.ALBTargetGroupRequestContext{ELB: events.ELBContext{
			TargetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/webhooks/0123456789abcdef",
		}},
		Body: bodyText(body, isBase64), IsBase64Encoded: isBase64,
	}
	if multiValue {
		e.MultiValueHeaders = all
	} else {
		e.Headers = last
	}
	return e
}
