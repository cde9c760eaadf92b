package lambdaadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/adapteropt"
	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// Handler returns the handler of a Lambda function that receives OpenAI webhooks, for
// lambda.Start: it accepts the events of API Gateway REST APIs (payload 1.0), HTTP APIs
// (payload 2.0), function URLs and ALB target groups, tells them apart from the payload,
// verifies each delivery, calls h, and answers in the same source's response shape: 200
// {"received":true}, or 500 when h returns an error or panics, so that OpenAI retries.
// A payload that is none of these events fails the invocation with an error wrapping
// ErrUnrecognizedEvent. It panics if v or h is nil.
func Handler(v *core.Verifier, h core.Handler, opts ...Option) lambda.Handler {
	return invoker{newEndpoint("Handler", v, h, opts)}
}

// APIGatewayProxy returns the handler of a function behind an API Gateway REST API (or
// an HTTP API with payload format 1.0), for users who wire the events themselves:
// lambda.Start(lambdaadapter.APIGatewayProxy(v, h)). It never returns an error: every
// delivery gets an HTTP answer. It panics if v or h is nil.
func APIGatewayProxy(v *core.Verifier, h core.Handler, opts ...Option) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	ep := newEndpoint("APIGatewayProxy", v, h, opts)
	return func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return ep.serve(ctx, fromRESTAPI(&e)).restAPI(e.MultiValueHeaders != nil), nil
	}
}

// HTTPAPI returns the handler of a function behind an API Gateway HTTP API with payload
// format 2.0, for users who wire the events themselves. It never returns an error. It
// panics if v or h is nil.
func HTTPAPI(v *core.Verifier, h core.Handler, opts ...Option) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	ep := newEndpoint("HTTPAPI", v, h, opts)
	return func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return ep.serve(ctx, fromHTTPAPI(&e)).httpAPI(), nil
	}
}

// FunctionURL returns the handler of a function invoked through its function URL
// (invoke mode BUFFERED), for users who wire the events themselves. It never returns an
// error. It panics if v or h is nil.
func FunctionURL(v *core.Verifier, h core.Handler, opts ...Option) func(context.Context, events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	ep := newEndpoint("FunctionURL", v, h, opts)
	return func(ctx context.Context, e events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
		return ep.serve(ctx, fromFunctionURL(&e)).functionURL(), nil
	}
}

// ALB returns the handler of a function registered as an Application Load Balancer
// target, with or without multi-value headers, for users who wire the events themselves.
// It never returns an error. It panics if v or h is nil.
func ALB(v *core.Verifier, h core.Handler, opts ...Option) func(context.Context, events.ALBTargetGroupRequest) (events.ALBTargetGroupResponse, error) {
	ep := newEndpoint("ALB", v, h, opts)
	return func(ctx context.Context, e events.ALBTargetGroupRequest) (events.ALBTargetGroupResponse, error) {
		return ep.serve(ctx, fromALB(&e)).alb(e.MultiValueHeaders != nil), nil
	}
}

// endpoint is one webhook endpoint: the shared pipeline and the application's handler.
type endpoint struct {
	p       *receive.Pipeline
	h       core.Handler
	onError ErrorHandler
}

func newEndpoint(name string, v *core.Verifier, h core.Handler, opts []Option) *endpoint {
	if h == nil {
		panic("lambdaadapter." + name + ": the core.Handler is nil")
	}
	cfg := adapteropt.Build(opts, ErrorResponse)
	return &endpoint{p: receive.New(v, cfg.Config), h: h, onError: cfg.OnError}
}

// serve verifies the delivery in r, runs the handler, and returns the answer.
func (ep *endpoint) serve(ctx context.Context, r request) Response {
	ctx, e, err := ep.p.VerifyText(ctx, r.body, r.isBase64, r.webhookHeaders())
	if err != nil {
		return ep.answer(ctx, receive.Refuse(err))
	}
	// The pipeline recovers a panic in the handler and answers it 500, as a net/http
	// server would, rather than failing the invocation (which API Gateway answers 502).
	return ep.answer(ctx, ep.p.Handle(ctx, e, ep.h))
}

func (ep *endpoint) answer(ctx context.Context, reply receive.Reply) Response {
	if reply.Err == nil {
		return jsonResponse(reply.Status, reply.Body)
	}
	resp := ep.onError(ctx, reply.Status, reply.Err)
	if resp.StatusCode == 0 {
		resp.StatusCode = reply.Status
	}
	return resp
}

// invoker is Handler's lambda.Handler: it decodes the payload as the event of the source
// detect finds, and encodes the answer in that source's response shape.
type invoker struct{ ep *endpoint }

// Invoke handles one invocation.
func (i invoker) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	src, err := detect(payload)
	if err != nil {
		i.ep.p.Logger().LogAttrs(ctx, slog.LevelError, "openai-webhooks: the Lambda function received an event it cannot answer; wire it to API Gateway, a function URL or an ALB",
			slog.String("error", err.Error()))
		return nil, err
	}
	switch src {
	case sourceRESTAPI:
		return invokeAs(ctx, i.ep, payload, src, fromRESTAPI, func(r Response, e *events.APIGatewayProxyRequest) any {
			return r.restAPI(e.MultiValueHeaders != nil)
		})
	case sourceHTTPAPI:
		return invokeAs(ctx, i.ep, payload, src, fromHTTPAPI, func(r Response, _ *events.APIGatewayV2HTTPRequest) any { return r.httpAPI() })
	case sourceFunctionURL:
		return invokeAs(ctx, i.ep, payload, src, fromFunctionURL, func(r Response, _ *events.LambdaFunctionURLRequest) any { return r.functionURL() })
	default: // sourceALB
		return invokeAs(ctx, i.ep, payload, src, fromALB, func(r Response, e *events.ALBTargetGroupRequest) any {
			return r.alb(e.MultiValueHeaders != nil)
		})
	}
}

// invokeAs decodes payload as an event E of src, serves it and encodes the answer shaped
// by shape.
func invokeAs[E any](ctx context.Context, ep *endpoint, payload []byte, src source, read func(*E) request, shape func(Response, *E) any) ([]byte, error) {
	var e E
	if err := json.Unmarshal(payload, &e); err != nil {
		err = unrecognized(fmt.Sprintf("its shape is that of the %s event, but it does not decode: %v", src, err))
		ep.p.Logger().LogAttrs(ctx, slog.LevelError, "openai-webhooks: the Lambda function received an event it cannot answer", slog.String("error", err.Error()))
		return nil, err
	}
	return json.Marshal(shape(ep.serve(ctx, read(&e)), &e))
}
