package otelwebhooks_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/otelwebhooks"
)

// allReasons is every refusal reason of package core.
var allReasons = []core.Reason{
	core.ReasonMissingHeader,
	core.ReasonInvalidTimestamp,
	core.ReasonTimestampTooOld,
	core.ReasonTimestampTooNew,
	core.ReasonInvalidSignatureHeader,
	core.ReasonNoMatchingSignature,
	core.ReasonMalformedEvent,
	core.ReasonBodyTooLarge,
	core.ReasonBodyUnreadable,
	core.ReasonStoreUnavailable,
	core.ReasonHandlerError,
}

// secretish is text that must never reach a metric or a span: a delivery's Err quotes it.
const secretish = "v1,SIGNATURE+BASE64= whsec_SECRET body-bytes"

// deliveries returns one delivery of every outcome and of every refusal reason, as the
// pipeline reports them: a refusal before the body verified has no event; a handler
// error has one, and a handler time.
func deliveries() map[string]core.Delivery {
	ds := map[string]core.Delivery{
		"handled": {Outcome: core.OutcomeHandled, Status: 200, WebhookID: "wh_handled", EventID: "evt_handled", EventType: core.BatchCompleted,
			Verification: 3 * time.Millisecond, Handler: 250 * time.Millisecond},
		"duplicate": {Outcome: core.OutcomeDuplicate, Status: 200, WebhookID: "wh_dup", EventID: "evt_dup", EventType: core.ResponseCompleted,
			Verification: time.Millisecond},
		"in flight": {Outcome: core.OutcomeInFlight, Status: 409, WebhookID: "wh_busy", EventID: "evt_busy", EventType: core.ResponseCompleted,
			Verification: time.Millisecond, Err: fmt.Errorf("%w: %s", core.ErrDeliveryInProgress, secretish)},
		"unhandled": {Outcome: core.OutcomeUnhandled, Status: 200, WebhookID: "wh_none", EventID: "evt_none", EventType: core.BatchExpired,
			Verification: time.Millisecond, Handler: time.Microsecond},
	}
	for _, r := range allReasons {
		d := core.Delivery{Outcome: core.OutcomeRefused, Reason: r, Status: 400, WebhookID: "wh_" + string(r),
			Verification: 2 * time.Millisecond, Err: fmt.Errorf("%s: %s", r, secretish)}
		switch r {
		case core.ReasonMissingHeader:
			d.WebhookID = ""
		case core.ReasonBodyTooLarge:
			d.Status = 413
		case core.ReasonStoreUnavailable:
			d.Outcome, d.Status, d.EventID, d.EventType = core.OutcomeFailed, 503, "evt_store", core.BatchFailed
		case core.ReasonHandlerError:
			d.Outcome, d.Status, d.EventID, d.EventType, d.Handler = core.OutcomeFailed, 500, "evt_fail", core.ResponseFailed, 1500*time.Millisecond
		}
		ds[string(d.Outcome)+" "+string(r)] = d
	}
	return ds
}

// TestEveryOutcomeAndReason sends each delivery to an observer of its own and checks the
// counter, both histograms and the span it produced, exactly.
func TestEveryOutcomeAndReason(t *testing.T) {
	for name, d := range deliveries() {
		t.Run(name, func(t *testing.T) {
			tm := newTelemetry(t)
			tm.obs.EndDelivery(tm.obs.StartDelivery(context.Background()), d)

			m := tm.collect(t)
			labels := want(d.Outcome, d.Reason, d.EventType)
			if !maps.Equal(m.deliveries, map[string]int64{labels: 1}) {
				t.Errorf("deliveries: got %v, want {%s: 1}", m.deliveries, labels)
			}
			if !maps.Equal(m.verification, map[string]point{labels: {1, d.Verification.Seconds()}}) {
				t.Errorf("verification duration: got %v, want {%s: 1 point of %v s}", m.verification, labels, d.Verification.Seconds())
			}
			wantHandler := map[string]point{}
			if d.Handler > 0 {
				wantHandler[labels] = point{1, d.Handler.Seconds()}
			}
			if !maps.Equal(m.handler, wantHandler) {
				t.Errorf("handler duration: got %v, want %v", m.handler, wantHandler)
			}

			spans := tm.spans.Ended()
			if len(spans) != 1 {
				t.Fatalf("%d spans ended, want 1", len(spans))
			}
			s := spans[0]
			if s.Name() != otelwebhooks.SpanName || s.SpanKind() != trace.SpanKindServer || s.Parent().IsValid() {
				t.Errorf("span %q of kind %v with parent %v, want a root %q of kind server", s.Name(), s.SpanKind(), s.Parent().SpanID(), otelwebhooks.SpanName)
			}
			wantAttrs := map[string]string{"outcome": string(d.Outcome), "http.response.status_code": fmt.Sprint(d.Status)}
			for k, v := range map[string]string{"reason": string(d.Reason), "event_type": string(d.EventType), "webhook_id": d.WebhookID, "event_id": d.EventID} {
				if v != "" {
					wantAttrs[k] = v
				}
			}
			if got := spanAttrs(s); !maps.Equal(got, wantAttrs) {
				t.Errorf("span attributes: got %v, want %v", got, wantAttrs)
			}
			wantStatus := codes.Unset
			wantDescription := ""
			if d.Outcome == core.OutcomeRefused || d.Outcome == core.OutcomeFailed {
				wantStatus, wantDescription = codes.Error, string(d.Reason)
			}
			if s.Status().Code != wantStatus || s.Status().Description != wantDescription {
				t.Errorf("span status %v %q, want %v %q", s.Status().Code, s.Status().Description, wantStatus, wantDescription)
			}
			if len(s.Events()) != 0 || len(s.Links()) != 0 {
				t.Errorf("span has events %v and links %v, want none", s.Events(), s.Links())
			}
			for _, part := range strings.Fields(secretish) {
				if text := fmt.Sprint(s.Attributes(), s.Status(), s.Events()); strings.Contains(text, part) {
					t.Errorf("the span contains %q from the delivery's error: %s", part, text)
				}
			}
		})
	}
}

// TestCumulative sends many deliveries to one observer: each series counts its own.
func TestCumulative(t *testing.T) {
	tm := newTelemetry(t)
	wantCounts := map[string]int64{}
	wantHandler := map[string]uint64{}
	n := 0
	for _, d := range deliveries() {
		n++
		for range n {
			tm.obs.EndDelivery(tm.obs.StartDelivery(context.Background()), d)
		}
		wantCounts[want(d.Outcome, d.Reason, d.EventType)] += int64(n)
		if d.Handler > 0 {
			wantHandler[want(d.Outcome, d.Reason, d.EventType)] += uint64(n)
		}
	}
	m := tm.collect(t)
	if !maps.Equal(m.deliveries, wantCounts) {
		t.Errorf("deliveries:\ngot  %v\nwant %v", m.deliveries, wantCounts)
	}
	for labels, count := range wantCounts {
		if m.verification[labels].count != uint64(count) {
			t.Errorf("verification duration %s: %d points, want %d", labels, m.verification[labels].count, count)
		}
	}
	if len(m.verification) != len(wantCounts) {
		t.Errorf("verification duration has the series %s, want those of the counter", sortedKeys(m.verification))
	}
	gotHandler := map[string]uint64{}
	for labels, p := range m.handler {
		gotHandler[labels] = p.count
	}
	if !maps.Equal(gotHandler, wantHandler) {
		t.Errorf("handler duration: got %v, want %v", gotHandler, wantHandler)
	}
	if got := len(tm.spans.Ended()); got != n*(n+1)/2 {
		t.Errorf("%d spans ended, want %d", got, n*(n+1)/2)
	}
}

// TestManyEventTypes checks that types past the observer's cache of attribute sets are
// counted all the same, and that the event type recorded is a copy.
func TestManyEventTypes(t *testing.T) {
	tm := newTelemetry(t)
	wantCounts := map[string]int64{}
	for i := range 600 {
		buf := []byte(fmt.Sprintf("future.type_%d", i%300))
		d := core.Delivery{Outcome: core.OutcomeHandled, EventType: core.EventType(buf), Handler: time.Millisecond}
		tm.obs.EndDelivery(tm.obs.StartDelivery(context.Background()), d)
		wantCounts[want(core.OutcomeHandled, "", core.EventType(string(buf)))]++
		clear(buf) // a reused buffer: the observer must have copied the type
	}
	if m := tm.collect(t); !maps.Equal(m.deliveries, wantCounts) {
		t.Errorf("deliveries: got %d series, want %d: %s", len(m.deliveries), len(wantCounts), sortedKeys(m.deliveries))
	}
}

// TestChildOfRequestSpan checks that the delivery's span is the child of the span in the
// request's context (as otelhttp starts it), that the handler's spans are its children,
// and that EndDelivery never ends the request's span.
func TestChildOfRequestSpan(t *testing.T) {
	tm := newTelemetry(t)
	ctx, request := tm.tp.Tracer("otelhttp").Start(context.Background(), "POST /webhooks/openai", trace.WithSpanKind(trace.SpanKindServer))

	dctx := tm.obs.StartDelivery(ctx)
	_, handler := tm.tp.Tracer("app").Start(dctx, "handle batch")
	handler.End()
	tm.obs.EndDelivery(dctx, core.Delivery{Outcome: core.OutcomeHandled, Status: 200, EventType: core.BatchCompleted})
	tm.obs.EndDelivery(ctx, core.Delivery{Outcome: core.OutcomeHandled, Status: 200}) // not a context of StartDelivery
	if !request.IsRecording() {
		t.Fatal("EndDelivery ended the request's span")
	}
	request.End()

	byName := map[string]trace.SpanContext{}
	parents := map[string]trace.SpanContext{}
	kinds := map[string]trace.SpanKind{}
	for _, s := range tm.spans.Ended() {
		byName[s.Name()], parents[s.Name()], kinds[s.Name()] = s.SpanContext(), s.Parent(), s.SpanKind()
	}
	if len(byName) != 3 {
		t.Fatalf("spans ended: %v, want the request's, the delivery's and the handler's", byName)
	}
	if !parents[otelwebhooks.SpanName].Equal(byName["POST /webhooks/openai"]) || kinds[otelwebhooks.SpanName] != trace.SpanKindInternal {
		t.Errorf("the delivery's span has the parent %v and kind %v, want the request's span %v and internal",
			parents[otelwebhooks.SpanName].SpanID(), kinds[otelwebhooks.SpanName], byName["POST /webhooks/openai"].SpanID())
	}
	if !parents["handle batch"].Equal(byName[otelwebhooks.SpanName]) {
		t.Errorf("the handler's span has the parent %v, want the delivery's span %v", parents["handle batch"].SpanID(), byName[otelwebhooks.SpanName].SpanID())
	}
	if m := tm.collect(t); m.deliveries[want(core.OutcomeHandled, "", "")] != 1 || m.deliveries[want(core.OutcomeHandled, "", core.BatchCompleted)] != 1 {
		t.Errorf("deliveries: %v, want both deliveries counted", m.deliveries)
	}
}

// TestUnknownOutcomeAndReason checks that values core may add later are recorded as given.
func TestUnknownOutcomeAndReason(t *testing.T) {
	tm := newTelemetry(t)
	d := core.Delivery{Outcome: "deferred", Reason: "rate_limited", EventType: core.BatchCompleted}
	tm.obs.EndDelivery(tm.obs.StartDelivery(context.Background()), d)
	tm.obs.EndDelivery(tm.obs.StartDelivery(context.Background()), d)
	if m := tm.collect(t); !maps.Equal(m.deliveries, map[string]int64{want("deferred", "rate_limited", core.BatchCompleted): 2}) {
		t.Errorf("deliveries: %v", m.deliveries)
	}
}

// TestConcurrent records from many goroutines at once (run with -race).
func TestConcurrent(t *testing.T) {
	tm := newTelemetry(t)
	ds := deliveries()
	var wg sync.WaitGroup
	const perDelivery = 20
	for _, d := range ds {
		for range perDelivery {
			wg.Go(func() { tm.obs.EndDelivery(tm.obs.StartDelivery(context.Background()), d) })
		}
	}
	wg.Wait()
	m := tm.collect(t)
	for _, d := range ds {
		if got := m.deliveries[want(d.Outcome, d.Reason, d.EventType)]; got != perDelivery {
			t.Errorf("%s %s: %d, want %d", d.Outcome, d.Reason, got, perDelivery)
		}
	}
}

func TestNewRejectsNilProviders(t *testing.T) {
	for name, opt := range map[string]otelwebhooks.Option{
		"meter":  otelwebhooks.WithMeterProvider(nil),
		"tracer": otelwebhooks.WithTracerProvider(nil),
	} {
		obs, err := otelwebhooks.New(opt)
		if obs != nil || !errors.Is(err, otelwebhooks.ErrInvalidOption) || !strings.Contains(err.Error(), "leave the option out") {
			t.Errorf("%s: New returned %v, %v; want ErrInvalidOption saying what to do", name, obs, err)
		}
	}
}

// TestNoop checks that the noop providers, and the globals before any are set, work.
func TestNoop(t *testing.T) {
	for name, opts := range map[string][]otelwebhooks.Option{
		"noop":    {otelwebhooks.WithMeterProvider(metricnoop.NewMeterProvider()), otelwebhooks.WithTracerProvider(tracenoop.NewTracerProvider())},
		"globals": nil,
	} {
		obs, err := otelwebhooks.New(opts...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, d := range deliveries() {
			obs.EndDelivery(obs.StartDelivery(context.Background()), d)
		}
	}
}

// TestLongWebhookID checks that a huge webhook-id header, which anyone can send, is cut
// short on the span.
func TestLongWebhookID(t *testing.T) {
	tm := newTelemetry(t)
	id := "wh_" + strings.Repeat("é", 5000)
	tm.obs.EndDelivery(tm.obs.StartDelivery(context.Background()), core.Delivery{Outcome: core.OutcomeRefused, Reason: core.ReasonNoMatchingSignature, WebhookID: id})
	got := spanAttrs(tm.spans.Ended()[0])["webhook_id"]
	if len(got) > 128 || !strings.HasPrefix(id, got) || !utf8.ValidString(got) || len(got) < 100 {
		t.Errorf("webhook_id on the span has %d bytes (valid UTF-8: %v), want a valid prefix of at most 128", len(got), utf8.ValidString(got))
	}
}
