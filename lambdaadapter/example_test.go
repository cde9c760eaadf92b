package lambdaadapter_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/lambdaadapter"
)

// exampleSecret stands in for the endpoint's signing secret; in a function, use
// core.NewVerifierFromEnv(), which reads OPENAI_WEBHOOK_SECRET.
const exampleSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

const exampleBody = `{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_abc"}}`

// signedHeaders returns the webhook headers OpenAI sends with body, lower-cased as HTTP
// APIs, function URLs and ALB pass them.
func signedHeaders(body string) map[string]string {
	signer, err := core.NewSigner(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	h := signer.Headers("wh_example", time.Now(), []byte(body))
	return map[string]string{
		core.HeaderID: h.ID, core.HeaderTimestamp: h.Timestamp, core.HeaderSignature: h.Signature,
		"content-type": "application/json",
	}
}

func newMux() *core.Mux {
	mux := core.NewMux()
	core.On(mux, core.BatchCompleted, func(ctx context.Context, e *core.Event, data core.BatchData) error {
		fmt.Println("batch done:", data.ID) // or enqueue the slow work, and return
		return nil
	})
	return mux
}

// One handler for every HTTP front of Lambda: in main, lambda.Start(handler). Here it is
// invoked with the event of an HTTP API, whose body came base64-encoded.
func ExampleHandler() {
	verifier, err := core.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	handler := lambdaadapter.Handler(verifier, newMux())

	h := signedHeaders(exampleBody)
	payload := fmt.Sprintf(`{"version":"2.0","routeKey":"POST /webhooks/openai","rawPath":"/webhooks/openai",
		"headers":{"webhook-id":%q,"webhook-timestamp":%q,"webhook-signature":%q},
		"requestContext":{"apiId":"abc123","domainName":"abc123.execute-api.us-east-1.amazonaws.com","http":{"method":"POST","path":"/webhooks/openai"}},
		"body":%q,"isBase64Encoded":true}`,
		h[core.HeaderID], h[core.HeaderTimestamp], h[core.HeaderSignature],
		base64.StdEncoding.EncodeToString([]byte(exampleBody)))
	answer, err := handler.Invoke(context.Background(), []byte(payload))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(answer))
	// Output:
	// batch done: batch_abc
	// {"statusCode":200,"headers":{"Content-Type":"application/json; charset=utf-8"},"multiValueHeaders":null,"body":"{\"received\":true}","cookies":null}
}

// A function behind an API Gateway REST API: lambda.Start(lambdaadapter.APIGatewayProxy(v, h)).
func ExampleAPIGatewayProxy() {
	verifier, err := core.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	handle := lambdaadapter.APIGatewayProxy(verifier, newMux())

	resp, err := handle(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: "POST", Path: "/webhooks/openai",
		Headers: signedHeaders(exampleBody), Body: exampleBody,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, resp.Body)
	// Output:
	// batch done: batch_abc
	// 200 {"received":true}
}

// A function behind an HTTP API (payload 2.0): lambda.Start(lambdaadapter.HTTPAPI(v, h)).
// A delivery signed with another secret is refused.
func ExampleHTTPAPI() {
	verifier, err := core.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	handle := lambdaadapter.HTTPAPI(verifier, newMux())

	headers := signedHeaders(exampleBody)
	headers[core.HeaderSignature] = "v1,Zm9yZ2VkIHNpZ25hdHVyZSBvZiAzMiBieXRlcyEhISE="
	resp, err := handle(context.Background(), events.APIGatewayV2HTTPRequest{
		Version: "2.0", RawPath: "/webhooks/openai", Headers: headers, Body: exampleBody,
	})
	if err != nil {
		log.Fatal(err)
	}
	var answer struct{ Error string }
	if err := json.Unmarshal([]byte(resp.Body), &answer); err != nil {
		log.Fatal(err)
	}
	what, _, _ := strings.Cut(answer.Error, ":") // the rest says how to fix it
	fmt.Println(resp.StatusCode, what)
	// Output:
	// 400 no matching webhook signature
}

// A function invoked through its function URL: lambda.Start(lambdaadapter.FunctionURL(v, h)).
func ExampleFunctionURL() {
	verifier, err := core.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	handle := lambdaadapter.FunctionURL(verifier, newMux())

	resp, err := handle(context.Background(), events.LambdaFunctionURLRequest{
		Version: "2.0", RawPath: "/", Headers: signedHeaders(exampleBody),
		Body: base64.StdEncoding.EncodeToString([]byte(exampleBody)), IsBase64Encoded: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, resp.Body)
	// Output:
	// batch done: batch_abc
	// 200 {"received":true}
}

// A function registered as an ALB target: lambda.Start(lambdaadapter.ALB(v, h)). With
// multi-value headers on, the answer's headers come in MultiValueHeaders too.
func ExampleALB() {
	verifier, err := core.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	handle := lambdaadapter.ALB(verifier, newMux())

	multi := map[string][]string{}
	for name, value := range signedHeaders(exampleBody) {
		multi[name] = []string{value}
	}
	resp, err := handle(context.Background(), events.ALBTargetGroupRequest{
		HTTPMethod: "POST", Path: "/webhooks/openai", MultiValueHeaders: multi, Body: exampleBody,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusDescription, resp.MultiValueHeaders["Content-Type"], resp.Body)
	// Output:
	// batch done: batch_abc
	// 200 OK [application/json; charset=utf-8] {"received":true}
}
