// Package lambdaadapter receives OpenAI webhooks in AWS Lambda functions written in Go.
//
// Handler is one handler for lambda.Start that accepts the events of every HTTP front
// Lambda has: API Gateway REST APIs (payload format 1.0), HTTP APIs (payload 2.0),
// function URLs and Application Load Balancer target groups, with or without
// multi-value headers. It tells them apart from the payload itself and answers in the
// same source's response shape (ALB with its statusDescription, multi-value headers when
// the request came with them). APIGatewayProxy, HTTPAPI, FunctionURL and ALB are the
// same endpoint typed for one source, for functions that wire the events themselves.
//
//	func main() {
//		verifier, err := core.NewVerifierFromEnv() // OPENAI_WEBHOOK_SECRET
//		if err != nil {
//			log.Fatal(err)
//		}
//		mux := core.NewMux()
//		core.On(mux, core.BatchCompleted, func(ctx context.Context, e *core.Event, data core.BatchData) error {
//			return nil // fetch the batch's output, or enqueue the work
//		})
//		lambda.Start(lambdaadapter.Handler(verifier, mux))
//	}
//
// An event must carry the fields its source is told by, and the delivery:
//   - HTTP API (payload 2.0): "version":"2.0" and requestContext.http, with a
//     requestContext.domainName that is not a function URL's;
//   - function URL: the same, with requestContext.domainName
//     "<url-id>.lambda-url.<region>.on.aws";
//   - REST API (payload 1.0): requestContext.httpMethod or requestContext.resourcePath;
//   - ALB: requestContext.elb (its targetGroupArn);
//
// and, for all, the three webhook headers in headers (or multiValueHeaders: REST APIs, ALB
// with multi-value headers on), the body and isBase64Encoded. webhooktest builds such events
// for tests (Delivery.LambdaPayload, HTTPAPIEvent, FunctionURLEvent, RESTAPIEvent,
// ALBEvent), and `openai-webhooks sign --lambda v2|url|v1|alb` prints one.
//
// The signature is verified over the exact bytes OpenAI sent: HTTP APIs and function URLs
// often deliver the body base64-encoded (isBase64Encoded), and the adapter verifies the
// decoded bytes, never the base64 text; a body marked base64 that does not decode is
// refused 400. Header names match in any letter case (HTTP APIs lower-case them, REST
// APIs keep the sender's case); of a repeated header the first value counts, as in the
// net/http adapter, when the source keeps the values apart (multiValueHeaders: REST APIs,
// ALB with multi-value headers on). Other sources pass one value: ALB the last, HTTP APIs
// and function URLs all of them joined with commas, which does not verify. OpenAI sends
// each header once.
//
// The answers are those of every adapter of this module: 200 {"received":true}; 400
// {"error":"…"} for a delivery that fails verification (missing header, stale timestamp,
// no matching signature, malformed event); 413 over the body limit (WithMaxBodyBytes,
// counted after base64 decoding); with WithIdempotency, 200
// {"received":true,"duplicate":true} for a delivery already handled, 409 for one being
// handled by another invocation, 503 when the store cannot be reached; 500 when the
// handler returns an error or panics, so that OpenAI retries. A panic releases the
// idempotency claim and is logged with its stack; it does not fail the invocation, not
// even one with http.ErrAbortHandler, which only a net/http server acts on.
// Replies never carry internal detail. The handler finds the event in its context too
// (core.FromContext).
//
// Lambda runs many execution environments at once, each with its own memory: for
// de-duplication across them use idempotency/redisstore (or another shared Store), not
// the memory store. OpenAI expects an answer within about 20 seconds; hand slow work to a
// queue (riverjobs, asynqjobs, or SQS) and answer at once.
//
// Build for the provided.al2023 runtime (arm64) as a binary named bootstrap, without the
// RPC mode of older Go runtimes:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap .
//	zip function.zip bootstrap
//
// The names are those of every adapter of this module (Handler, the With… options,
// ErrorHandler), with two differences Lambda's model forces: the default error handler
// is ErrorResponse, not WriteError, because a Lambda function answers by returning a
// value rather than writing to a response; and there is no Middleware, EventFrom or
// EventKey, because there is no next handler and no framework store: the handler finds
// the event in its context (core.FromContext).
//
// docs/serverless.md has the deployment steps (function URL or HTTP API, the secret from
// an environment variable or Secrets Manager), and the other serverless platforms.
package lambdaadapter
