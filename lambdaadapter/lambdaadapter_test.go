package lambdaadapter_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testrie"
	"github.com/webhookkit/openai-webhooks/lambdaadapter"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

// calls is a core.Handler that counts its calls and runs fn, if set.
type calls struct {
	mu sync.Mutex
	n  int
	fn func(n int) error
}

func (c *calls) HandleEvent(ctx context.Context, e *core.Event) error {
	c.mu.Lock()
	c.n++
	n := c.n
	c.mu.Unlock()
	if ev, ok := core.FromContext(ctx); !ok || ev != e {
		return errors.New("the event is not in the handler's context")
	}
	if c.fn != nil {
		return c.fn(n)
	}
	return nil
}

func (c *calls) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func invoke(t *testing.T, h interface {
	Invoke(context.Context, []byte) ([]byte, error)
}, payload []byte) testrie.Response {
	t.Helper()
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("the invocation failed: %v", err)
	}
	var r testrie.Response
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("the answer %s does not decode: %v", out, err)
	}
	return r
}

func errorOf(t *testing.T, r testrie.Response) string {
	t.Helper()
	var body map[string]string
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil || len(body) != 1 || body["error"] == "" {
		t.Fatalf(`the body %s is not {"error":"…"}`, r.Body)
	}
	return body["error"]
}

func TestBodyMarkedBase64ThatIsNot(t *testing.T) {
	sender := webhooktest.NewSender()
	h := &calls{}
	fn := lambdaadapter.Handler(sender.Verifier(), h, lambdaadapter.WithLogger(slog.New(slog.DiscardHandler)))
	d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"})
	payload := testrie.Event(testrie.HTTPAPI, "/", d.Header(), d.Body, false)
	payload = bytes.Replace(payload, []byte(`"isBase64Encoded":false`), []byte(`"isBase64Encoded":true`), 1)
	r := invoke(t, fn, payload)
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(errorOf(t, r), "could not read the request body") || h.count() != 0 {
		t.Fatalf("got %d %s with %d handler calls; want 400 and no call", r.StatusCode, r.Body, h.count())
	}
}

// The base64 text is measured before it is decoded: a body that cannot fit is refused
// 413 without decoding it, even when it is not valid base64.
func TestBase64OverTheLimit(t *testing.T) {
	sender := webhooktest.NewSender()
	fn := lambdaadapter.Handler(sender.Verifier(), &calls{}, lambdaadapter.WithMaxBodyBytes(30), lambdaadapter.WithLogger(slog.New(slog.DiscardHandler)))
	for _, text := range []string{base64.StdEncoding.EncodeToString(make([]byte, 31)), strings.Repeat("!", 44)} {
		d := sender.SignBody([]byte("{}"))
		payload := testrie.Event(testrie.FunctionURL, "/", d.Header(), nil, true)
		payload = bytes.Replace(payload, []byte(`"isBase64Encoded":true`), []byte(`"body":"`+text+`","isBase64Encoded":true`), 1)
		r := invoke(t, fn, payload)
		if r.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(errorOf(t, r), "too large") {
			t.Fatalf("%s: got %d %s, want 413", text, r.StatusCode, r.Body)
		}
	}
}

// A panic in the handler answers 500 with the fixed message and releases the claim: the
// retry runs the handler again.
func TestPanic(t *testing.T) {
	sender := webhooktest.NewSender()
	var logs testkit.LockedBuffer
	h := &calls{fn: func(n int) error {
		if n == 1 {
			panic("secret internal state")
		}
		return nil
	}}
	fn := lambdaadapter.Handler(sender.Verifier(), h,
		lambdaadapter.WithIdempotency(idempotency.NewMemoryStore()),
		lambdaadapter.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"})
	payload := testrie.Event(testrie.ALB, "/", d.Header(), d.Body, false)

	r := invoke(t, fn, payload)
	if r.StatusCode != http.StatusInternalServerError || r.StatusDescription != "500 Internal Server Error" || strings.Contains(r.Body, "secret") {
		t.Fatalf("got %d %q %s, want 500 without the panic's text", r.StatusCode, r.StatusDescription, r.Body)
	}
	if !strings.Contains(logs.String(), "handler panicked") || !strings.Contains(logs.String(), "secret internal state") {
		t.Fatalf("the panic is not logged:\n%s", logs.String())
	}
	if r := invoke(t, fn, payload); r.StatusCode != http.StatusOK || r.Body != `{"received":true}` {
		t.Fatalf("the retry got %d %s, want 200", r.StatusCode, r.Body)
	}
	if r := invoke(t, fn, payload); r.Body != `{"received":true,"duplicate":true}` {
		t.Fatalf("the third attempt got %d %s, want a duplicate", r.StatusCode, r.Body)
	}
	if h.count() != 2 {
		t.Fatalf("the handler ran %d times, want 2", h.count())
	}
}

func TestErrorHandler(t *testing.T) {
	sender := webhooktest.NewSender()
	var gotStatus int
	var gotErr error
	fn := lambdaadapter.Handler(sender.Verifier(), &calls{},
		lambdaadapter.WithLogger(slog.New(slog.DiscardHandler)),
		lambdaadapter.WithErrorHandler(func(ctx context.Context, status int, err error) lambdaadapter.Response {
			gotStatus, gotErr = status, err
			if status == http.StatusBadRequest {
				return lambdaadapter.Response{StatusCode: http.StatusUnauthorized, Headers: map[string]string{"Content-Type": "text/plain"}, Body: "no"}
			}
			return lambdaadapter.Response{Body: "kept status"}
		}))
	forged := webhooktest.NewSender().Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"})
	r := invoke(t, fn, testrie.Event(testrie.ALBMultiValue, "/", forged.Header(), forged.Body, false))
	if gotStatus != http.StatusBadRequest || !errors.Is(gotErr, core.ErrNoMatchingSignature) {
		t.Fatalf("the error handler got %d %v", gotStatus, gotErr)
	}
	if r.StatusCode != http.StatusUnauthorized || r.StatusDescription != "401 Unauthorized" || r.Body != "no" ||
		len(r.MultiValueHeaders["Content-Type"]) != 1 || r.MultiValueHeaders["Content-Type"][0] != "text/plain" || r.Headers != nil {
		t.Fatalf("got %+v, want the error handler's answer in ALB's multi-value shape", r)
	}

	d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"})
	big := lambdaadapter.Handler(sender.Verifier(), &calls{}, lambdaadapter.WithMaxBodyBytes(10),
		lambdaadapter.WithLogger(slog.New(slog.DiscardHandler)),
		lambdaadapter.WithErrorHandler(func(context.Context, int, error) lambdaadapter.Response {
			return lambdaadapter.Response{Body: "kept status"}
		}))
	if r := invoke(t, big, testrie.Event(testrie.HTTPAPI, "/", d.Header(), d.Body, true)); r.StatusCode != http.StatusRequestEntityTooLarge || r.Body != "kept status" {
		t.Fatalf("a Response with StatusCode 0 got %d %s, want the status 413 kept", r.StatusCode, r.Body)
	}
}

func TestObserver(t *testing.T) {
	sender := webhooktest.NewSender()
	o := &conformance.Observed{}
	fn := lambdaadapter.Handler(sender.Verifier(), &calls{}, lambdaadapter.WithObserver(o), lambdaadapter.WithLogger(slog.New(slog.DiscardHandler)))
	d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"}, webhooktest.WithWebhookID("wh_observed"))
	invoke(t, fn, testrie.Event(testrie.RESTAPI, "/", d.Header(), d.Body, true))
	forged := webhooktest.NewSender().Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"})
	invoke(t, fn, testrie.Event(testrie.RESTAPI, "/", forged.Header(), forged.Body, true))
	seen := o.Ended()
	if len(seen) != 2 {
		t.Fatalf("the observer saw %d deliveries, want 2", len(seen))
	}
	if got := seen[0]; got.Outcome != core.OutcomeHandled || got.Status != 200 || got.WebhookID != "wh_observed" || got.EventType != core.BatchCompleted {
		t.Fatalf("the first delivery was observed as %+v", got)
	}
	if got := seen[1]; got.Outcome != core.OutcomeRefused || got.Reason != core.ReasonNoMatchingSignature || got.Status != 400 {
		t.Fatalf("the forged delivery was observed as %+v", got)
	}
}

func TestUnrecognizedEvent(t *testing.T) {
	sender := webhooktest.NewSender()
	h := &calls{}
	fn := lambdaadapter.Handler(sender.Verifier(), h, lambdaadapter.WithLogger(slog.New(slog.DiscardHandler)))
	for _, payload := range []string{
		`{"Records":[{"eventSource":"aws:sqs"}]}`,
		`not json`,
		// The shape of an HTTP API event, with a body that is not a string.
		`{"version":"2.0","requestContext":{"http":{"method":"POST"}},"body":5}`,
		`{"httpMethod":"POST","requestContext":{"elb":{"targetGroupArn":"x"}},"headers":["a"]}`,
	} {
		out, err := fn.Invoke(context.Background(), []byte(payload))
		if !errors.Is(err, lambdaadapter.ErrUnrecognizedEvent) || out != nil {
			t.Errorf("%s: got %s, %v; want ErrUnrecognizedEvent", payload, out, err)
		}
	}
	if h.count() != 0 {
		t.Fatalf("the handler ran %d times", h.count())
	}
}

// The typed functions answer their source's shape; the one Handler, fed the same event,
// answers the same.
func TestTypedFunctions(t *testing.T) {
	sender := webhooktest.NewSender()
	opt := lambdaadapter.WithLogger(slog.New(slog.DiscardHandler))
	v := sender.Verifier()
	handler := lambdaadapter.Handler(v, &calls{}, opt)
	rest := lambdaadapter.APIGatewayProxy(v, &calls{}, opt)
	httpAPI := lambdaadapter.HTTPAPI(v, &calls{}, opt)
	url := lambdaadapter.FunctionURL(v, &calls{}, opt)
	alb := lambdaadapter.ALB(v, &calls{}, opt)
	typed := map[testrie.Source]func(payload []byte) any{
		testrie.RESTAPI: func(p []byte) any {
			return call(t, p, func(ctx context.Context, e events.APIGatewayProxyRequest) (any, error) { return rest(ctx, e) })
		},
		testrie.HTTPAPI: func(p []byte) any {
			return call(t, p, func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (any, error) { return httpAPI(ctx, e) })
		},
		testrie.FunctionURL: func(p []byte) any {
			return call(t, p, func(ctx context.Context, e events.LambdaFunctionURLRequest) (any, error) { return url(ctx, e) })
		},
		testrie.ALB: func(p []byte) any {
			return call(t, p, func(ctx context.Context, e events.ALBTargetGroupRequest) (any, error) { return alb(ctx, e) })
		},
		testrie.ALBMultiValue: func(p []byte) any {
			return call(t, p, func(ctx context.Context, e events.ALBTargetGroupRequest) (any, error) { return alb(ctx, e) })
		},
	}
	for _, src := range testrie.Sources() {
		for _, genuine := range []bool{true, false} {
			s := sender
			if !genuine {
				s = webhooktest.NewSender()
			}
			d := s.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"})
			payload := testrie.Event(src, "/webhooks/openai", d.Header(), d.Body, genuine)
			got, err := json.Marshal(typed[src](payload))
			if err != nil {
				t.Fatal(err)
			}
			var r testrie.Response
			if err := json.Unmarshal(got, &r); err != nil {
				t.Fatal(err)
			}
			if msg := testrie.CheckShape(src, r); msg != "" {
				t.Fatalf("%s: %s: %s", src, got, msg)
			}
			want := map[bool]int{true: 200, false: 400}[genuine]
			if r.StatusCode != want || r.Header("Content-Type") != "application/json; charset=utf-8" {
				t.Fatalf("%s, genuine %v: got %s, want %d JSON", src, genuine, got, want)
			}
			if byHandler := invoke(t, handler, payload); byHandler.StatusCode != r.StatusCode || byHandler.Body != r.Body {
				t.Fatalf("%s: Handler answered %d %s, the typed function %d %s", src, byHandler.StatusCode, byHandler.Body, r.StatusCode, r.Body)
			}
		}
	}
}

// call decodes payload as E and calls fn with it, as lambda.Start does.
func call[E any](t *testing.T, payload []byte, fn func(context.Context, E) (any, error)) any {
	t.Helper()
	var e E
	if err := json.Unmarshal(payload, &e); err != nil {
		t.Fatal(err)
	}
	out, err := fn(context.Background(), e)
	if err != nil {
		t.Fatalf("the typed function returned an error: %v", err)
	}
	return out
}

func TestNilHandlerPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "lambdaadapter.HTTPAPI: the core.Handler is nil") {
			t.Fatalf("recovered %v", r)
		}
	}()
	lambdaadapter.HTTPAPI(webhooktest.NewSender().Verifier(), nil)
}

// A repeated header counts by its first value, as in net/http, where the source keeps the
// values apart (multiValueHeaders: REST APIs, ALB with multi-value headers); a source
// that keeps one value (ALB: the last) or joins them (HTTP APIs, function URLs: with
// commas) gives the adapter that value, which the verifier judges as it is.
func TestRepeatedHeaders(t *testing.T) {
	sender := webhooktest.NewSender()
	fn := lambdaadapter.Handler(sender.Verifier(), &calls{}, lambdaadapter.WithLogger(slog.New(slog.DiscardHandler)))
	const forged = "v1,Zm9yZ2VkIHNpZ25hdHVyZSBvZiAzMiBieXRlcyEhISE="
	for _, c := range []struct {
		src        testrie.Source
		validFirst bool
		want       int
	}{
		{testrie.RESTAPI, true, 200},
		{testrie.RESTAPI, false, 400},
		{testrie.ALBMultiValue, true, 200},
		{testrie.ALBMultiValue, false, 400},
		{testrie.ALB, true, 400}, // ALB keeps the last value
		{testrie.ALB, false, 200},
		{testrie.HTTPAPI, true, 400}, // "valid,forged" is one malformed value
		{testrie.FunctionURL, false, 400},
	} {
		d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"})
		header := d.Header()
		values := []string{d.Headers.Signature, forged}
		if !c.validFirst {
			values[0], values[1] = values[1], values[0]
		}
		header[http.CanonicalHeaderKey(core.HeaderSignature)] = values
		r := invoke(t, fn, testrie.Event(c.src, "/", header, d.Body, false))
		if r.StatusCode != c.want {
			t.Errorf("%s, valid signature first %v: got %d %s, want %d", c.src, c.validFirst, r.StatusCode, r.Body, c.want)
		}
	}
}
