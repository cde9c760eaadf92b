package webhooktest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/lambdaadapter"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

// seen is a core.Handler that records the ids of the batches it handled.
type seen struct {
	mu  sync.Mutex
	ids []string
}

func (s *seen) HandleEvent(_ context.Context, e *core.Event) error {
	var data core.BatchData
	if err := json.Unmarshal(e.Data, &data); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids = append(s.ids, data.ID)
	return nil
}

func (s *seen) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ids...)
}

// answer is what every source's response shape holds.
type answer struct {
	StatusCode        int    `json:"statusCode"`
	StatusDescription string `json:"statusDescription"`
	Body              string `json:"body"`
}

func invoke(t *testing.T, h interface {
	Invoke(context.Context, []byte) ([]byte, error)
}, payload []byte) answer {
	t.Helper()
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("the invocation failed: %v\npayload: %s", err, payload)
	}
	var a answer
	if err := json.Unmarshal(out, &a); err != nil {
		t.Fatalf("the answer %s does not decode: %v", out, err)
	}
	return a
}

type variant struct {
	name string
	src  webhooktest.LambdaSource
	opts []webhooktest.LambdaOption
}

func variants() []variant {
	var vs []variant
	for _, src := range webhooktest.LambdaSources() {
		vs = append(vs,
			variant{string(src) + " plain", src, nil},
			variant{string(src) + " base64", src, []webhooktest.LambdaOption{webhooktest.WithBase64Body()}})
	}
	return append(vs, variant{"alb multi-value base64", webhooktest.LambdaALB,
		[]webhooktest.LambdaOption{webhooktest.WithMultiValueHeaders(), webhooktest.WithBase64Body(), webhooktest.WithLambdaPath("/hooks")}})
}

// Every source's event, plain or base64, is accepted by lambdaadapter.Handler, which
// tells the source from the payload: the handler sees the event and the answer has the
// source's shape (ALB's statusDescription).
func TestLambdaPayloadAccepted(t *testing.T) {
	sender := webhooktest.NewSender()
	h := &seen{}
	fn := lambdaadapter.Handler(sender.Verifier(), h, lambdaadapter.WithLogger(slog.New(slog.DiscardHandler)))
	var want []string
	for _, v := range variants() {
		id := "batch_" + strings.ReplaceAll(v.name, " ", "_")
		want = append(want, id)
		d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: id})
		a := invoke(t, fn, d.LambdaPayload(v.src, v.opts...))
		if a.StatusCode != http.StatusOK || a.Body != `{"received":true}` {
			t.Fatalf("%s: got %d %s, want 200", v.name, a.StatusCode, a.Body)
		}
		if alb := v.src == webhooktest.LambdaALB; alb != (a.StatusDescription == "200 OK") {
			t.Errorf("%s: statusDescription %q: the answer is not in the source's shape", v.name, a.StatusDescription)
		}
	}
	if got := h.all(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the handler saw %v, want %v", got, want)
	}
}

// A tampered event is refused: a changed body (in the base64 text too), or a signature
// by another secret.
func TestLambdaPayloadTampered(t *testing.T) {
	sender := webhooktest.NewSender()
	h := &seen{}
	fn := lambdaadapter.Handler(sender.Verifier(), h, lambdaadapter.WithLogger(slog.New(slog.DiscardHandler)))
	for _, v := range variants() {
		d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"})
		payload := d.LambdaPayload(v.src, v.opts...)
		var tampered []byte
		if bytes.Contains(payload, []byte(`batch_1`)) {
			tampered = bytes.Replace(payload, []byte(`batch_1`), []byte(`batch_2`), 1)
		} else {
			b64 := base64.StdEncoding.EncodeToString(d.Body)
			other := base64.StdEncoding.EncodeToString(bytes.Replace(d.Body, []byte("batch_1"), []byte("batch_2"), 1))
			tampered = bytes.Replace(payload, []byte(b64), []byte(other), 1)
		}
		if bytes.Equal(tampered, payload) {
			t.Fatalf("%s: the test did not change the body", v.name)
		}
		forged := webhooktest.NewSender().Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"}).LambdaPayload(v.src, v.opts...)
		for name, p := range map[string][]byte{"changed body": tampered, "other secret": forged} {
			if a := invoke(t, fn, p); a.StatusCode != http.StatusBadRequest {
				t.Errorf("%s, %s: got %d %s, want 400", v.name, name, a.StatusCode, a.Body)
			}
		}
	}
	if got := h.all(); len(got) != 0 {
		t.Fatalf("the handler saw %v from tampered events", got)
	}
}

// The typed events go to the adapter's per-source functions as they are.
func TestLambdaTypedEvents(t *testing.T) {
	sender := webhooktest.NewSender()
	v := sender.Verifier()
	h := &seen{}
	log := lambdaadapter.WithLogger(slog.New(slog.DiscardHandler))
	ctx := context.Background()
	d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_typed"})
	b64 := webhooktest.WithBase64Body()

	httpAPI, _ := lambdaadapter.HTTPAPI(v, h, log)(ctx, d.HTTPAPIEvent(b64))
	url, _ := lambdaadapter.FunctionURL(v, h, log)(ctx, d.FunctionURLEvent())
	rest, _ := lambdaadapter.APIGatewayProxy(v, h, log)(ctx, d.RESTAPIEvent(b64))
	alb, _ := lambdaadapter.ALB(v, h, log)(ctx, d.ALBEvent(webhooktest.WithMultiValueHeaders()))
	got := []int{httpAPI.StatusCode, url.StatusCode, rest.StatusCode, alb.StatusCode}
	if fmt.Sprint(got) != "[200 200 200 200]" || len(h.all()) != 4 {
		t.Fatalf("statuses %v, handler calls %v; want 200 each and four calls", got, h.all())
	}

	e := d.HTTPAPIEvent(webhooktest.WithLambdaPath("/hooks"))
	if e.RawPath != "/hooks" || e.RequestContext.HTTP.Path != "/hooks" || e.IsBase64Encoded || e.Body != string(d.Body) {
		t.Errorf("HTTPAPIEvent with a path and a plain body: %+v", e)
	}
	if e.Headers[core.HeaderSignature] != d.Headers.Signature || e.Headers["content-type"] != "application/json" {
		t.Errorf("HTTP API headers are lower-cased: %v", e.Headers)
	}
	if a := d.ALBEvent(); a.MultiValueHeaders != nil || a.Headers == nil {
		t.Errorf("ALBEvent without WithMultiValueHeaders: headers %v, multiValueHeaders %v", a.Headers, a.MultiValueHeaders)
	}
	if r := d.RESTAPIEvent(webhooktest.LambdaOption{}); r.Headers == nil || r.MultiValueHeaders == nil || r.Path != "/webhooks/openai" {
		t.Errorf("RESTAPIEvent carries both header maps and the default path: %+v", r)
	}
}

func TestLambdaPayloadUnknownSource(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `"v3"`) {
			t.Fatalf("recovered %v, want a panic naming the source", r)
		}
	}()
	webhooktest.NewSender().SignBody([]byte("{}")).LambdaPayload("v3")
}

// A body that is not valid UTF-8 cannot travel as JSON text unchanged: the event carries
// it base64-encoded even without WithBase64Body, as the fronts do for binary bodies, and
// the delivery still verifies.
func TestLambdaPayloadOfABodyNotUTF8(t *testing.T) {
	sender := webhooktest.NewSender()
	body := []byte("{\"id\":\"evt_\xff\",\"object\":\"event\",\"created_at\":1750861210,\"type\":\"batch.completed\",\"data\":{\"id\":\"batch_bin\"}}")
	d := sender.SignBody(body)
	for _, src := range webhooktest.LambdaSources() {
		t.Run(string(src), func(t *testing.T) {
			var h seen
			a := invoke(t, lambdaadapter.Handler(sender.Verifier(), &h, lambdaadapter.WithLogger(slog.New(slog.DiscardHandler))), d.LambdaPayload(src))
			if a.StatusCode != http.StatusOK || len(h.all()) != 1 {
				t.Fatalf("answer %+v, handled %v; want 200 and the delivery handled", a, h.all())
			}
		})
	}
}
