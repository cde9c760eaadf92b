package lambdaadapter

import (
	"errors"
	"testing"
)

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		name    string
		payload string
		want    source // 0: unrecognised
	}{
		{"REST API", `{"resource":"/webhook","path":"/webhook","httpMethod":"POST","headers":{},"multiValueHeaders":{},"requestContext":{"resourcePath":"/webhook","httpMethod":"POST","stage":"prod","domainName":"abc.execute-api.us-east-1.amazonaws.com"},"body":"{}","isBase64Encoded":false}`, sourceRESTAPI},
		{"HTTP API with payload 1.0", `{"version":"1.0","resource":"$default","path":"/webhook","httpMethod":"POST","headers":{},"requestContext":{"httpMethod":"POST","path":"/webhook","domainName":"abc.execute-api.us-east-1.amazonaws.com","apiId":"abc"},"body":"{}"}`, sourceRESTAPI},
		{"HTTP API", `{"version":"2.0","routeKey":"POST /webhook","rawPath":"/webhook","headers":{},"requestContext":{"apiId":"abc","domainName":"abc.execute-api.us-east-1.amazonaws.com","http":{"method":"POST","path":"/webhook"}},"body":"e30=","isBase64Encoded":true}`, sourceHTTPAPI},
		{"HTTP API on a custom domain", `{"version":"2.0","requestContext":{"apiId":"abc","domainName":"webhooks.example.com","http":{"method":"POST"}},"body":"{}"}`, sourceHTTPAPI},
		{"function URL", `{"version":"2.0","rawPath":"/","headers":{},"requestContext":{"apiId":"urlid","domainName":"urlid.lambda-url.eu-west-1.on.aws","domainPrefix":"urlid","http":{"method":"POST","path":"/"}},"body":"{}","isBase64Encoded":false}`, sourceFunctionURL},
		{"ALB", `{"httpMethod":"POST","path":"/webhook","headers":{},"requestContext":{"elb":{"targetGroupArn":"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1"}},"body":"{}","isBase64Encoded":false}`, sourceALB},
		{"ALB with multi-value headers", `{"httpMethod":"POST","path":"/","multiValueHeaders":{"webhook-id":["a"]},"requestContext":{"elb":{"targetGroupArn":"arn"}},"body":""}`, sourceALB},
		{"payload 2.0 without http", `{"version":"2.0","requestContext":{"domainName":"urlid.lambda-url.eu-west-1.on.aws"}}`, 0},
		{"http of a version other than 2.0", `{"version":"3.0","requestContext":{"http":{"method":"POST"}}}`, 0},
		{"elb null", `{"httpMethod":"POST","requestContext":{"elb":null}}`, 0},
		{"SQS", `{"Records":[{"messageId":"1","eventSource":"aws:sqs","body":"{}"}]}`, 0},
		{"EventBridge", `{"version":"0","id":"x","detail-type":"Scheduled Event","source":"aws.events","detail":{}}`, 0},
		{"console test event", `{"key1":"value1","key2":"value2"}`, 0},
		{"requestContext null", `{"requestContext":null}`, 0},
		{"requestContext a string", `{"requestContext":"x"}`, 0},
		{"empty object", `{}`, 0},
		{"null", `null`, 0},
		{"array", `[{"requestContext":{"elb":{}}}]`, 0},
		{"string", `"hello"`, 0},
		{"not JSON", `POST / HTTP/1.1`, 0},
		{"empty", ``, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := detect([]byte(c.payload))
			switch {
			case c.want == 0 && !errors.Is(err, ErrUnrecognizedEvent):
				t.Fatalf("got %v, %v; want ErrUnrecognizedEvent", got, err)
			case c.want != 0 && (err != nil || got != c.want):
				t.Fatalf("got %v, %v; want %v", got, err, c.want)
			}
		})
	}
}

func TestHeaderLookup(t *testing.T) {
	for _, c := range []struct {
		name string
		r    request
		want string
	}{
		{"lower case", request{headers: map[string]string{"webhook-id": "a"}}, "a"},
		{"canonical case", request{headers: map[string]string{"Webhook-Id": "a"}}, "a"},
		{"upper case", request{headers: map[string]string{"WEBHOOK-ID": "a"}}, "a"},
		{"absent", request{headers: map[string]string{"webhook-idx": "a", "x-webhook-id": "b"}}, ""},
		{"no maps", request{}, ""},
		{"keys differing in case: the smallest, whatever the map order", request{headers: map[string]string{"webhook-ID": "b", "Webhook-Id": "a", "webhook-iD": "c"}}, "a"},
		{"the exact lower-case key first", request{headers: map[string]string{"Webhook-Id": "b", "webhook-id": "a"}}, "a"},
		{"multi-value: the first value, as net/http reads it", request{multi: map[string][]string{"Webhook-Id": {"a", "b"}}, headers: map[string]string{"Webhook-Id": "b"}}, "a"},
		{"multi-value before single", request{multi: map[string][]string{"webhook-id": {"a"}}, headers: map[string]string{"webhook-id": "z"}}, "a"},
		{"an empty multi-value list falls back to headers", request{multi: map[string][]string{"webhook-id": {}}, headers: map[string]string{"webhook-id": "a"}}, "a"},
		{"multi-value only", request{multi: map[string][]string{"WEBHOOK-ID": {"a"}}}, "a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for range 20 { // map order varies between runs
				if got := c.r.header("webhook-id"); got != c.want {
					t.Fatalf("got %q, want %q", got, c.want)
				}
			}
		})
	}
}
