// Package otelwebhooks reports every OpenAI webhook delivery to OpenTelemetry: a counter
// of deliveries by outcome and reason, histograms of verification and handler
// time, and one span per delivery.
//
// It implements core.Observer on the OpenTelemetry API only; the SDK, its exporters
// (Prometheus, OTLP, …) and their set-up stay the application's choice. Give the
// Observer to any adapter's WithObserver option:
//
//	obs, err := otelwebhooks.New() // the global providers: otel.SetMeterProvider, otel.SetTracerProvider
//	if err != nil { … }
//	http.Handle("POST /webhooks/openai", nethttp.Handler(verifier, mux, nethttp.WithObserver(obs)))
//
// # Metrics
//
// The instruments, with their names in Prometheus (the OpenTelemetry Prometheus
// exporter adds the unit and _total suffixes):
//
//	openai.webhooks.deliveries             counter, {delivery}  openai_webhooks_deliveries_total
//	openai.webhooks.verification.duration  histogram, s          openai_webhooks_verification_duration_seconds
//	openai.webhooks.handler.duration       histogram, s          openai_webhooks_handler_duration_seconds
//
// All three carry the same attributes, which become the Prometheus labels of the same
// names:
//
//   - outcome (core.Outcome): handled (the handler or the queue took it), duplicate
//     (taken before: idempotency, or already queued), in_flight (being handled
//     elsewhere, 409), unhandled (verified, but no handler took its type; 200), refused
//     (the delivery is unacceptable or forged, 4xx) or failed (the receiver's own
//     failure: handler error or panic, store or queue unavailable, 5xx);
//   - reason: why a delivery was refused or failed, one of the core.Reason values such
//     as no_matching_signature, timestamp_too_old, handler_error or store_unavailable;
//     absent unless outcome is refused or failed;
//   - event_type: the event's type, such as batch.completed; absent when the delivery
//     was refused before its body verified and parsed, so only OpenAI, holder of the
//     secret, can add values.
//
// The verification histogram has a point for every delivery; the handler histogram only
// for deliveries whose handler ran (outcome handled, unhandled, or reason
// handler_error, and a duplicate the queue found).
//
// Alert on what each side must fix: a rise of refused with no_matching_signature means a
// wrong secret or forgeries; any failed means the receiver itself fails, and OpenAI
// retries for up to 72 hours; a steady unhandled means the endpoint is subscribed to
// event types no handler takes.
//
// The attribute names are short, without the dotted namespace OpenTelemetry recommends
// for general-purpose attributes, so that Prometheus labels read outcome, reason and
// event_type; they are scoped by the metric names, which are namespaced.
//
// # Traces
//
// StartDelivery starts a span named openai.webhooks.delivery: a child of the span in
// the request's context when there is one (an otelhttp server span, say), of kind
// Internal, otherwise a root span of kind Server. The application's handler runs in its
// context, so the handler's own spans are its children. When the delivery ends, the span
// gets the attributes outcome, reason, event_type, webhook_id (the webhook-id header, at
// most 128 bytes of it), event_id and http.response.status_code, and a refused or failed
// delivery the status Error with the reason as its description.
//
// Neither metrics nor spans ever carry the secret, a signature or the body. The error
// behind a refusal or failure (core.Delivery.Err) is not recorded either: its text can quote the
// beginning of the body or of the signature header. The adapters log it (WithLogger);
// a handler that wants its failure in the trace records it on its own span.
package otelwebhooks

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/textcut"
)

// ScopeName is the instrumentation scope of the meter and tracer: the package's import
// path.
const ScopeName = "github.com/webhookkit/openai-webhooks/otelwebhooks"

// The names of the instruments and of the span.
const (
	// MetricDeliveries counts deliveries (unit {delivery}).
	MetricDeliveries = "openai.webhooks.deliveries"
	// MetricVerificationDuration is the time spent reading, verifying and parsing a
	// delivery's body, in seconds.
	MetricVerificationDuration = "openai.webhooks.verification.duration"
	// MetricHandlerDuration is the time the application's handler ran, in seconds.
	MetricHandlerDuration = "openai.webhooks.handler.duration"
	// SpanName is the name of the span of a delivery.
	SpanName = "openai.webhooks.delivery"
)

// The attribute keys. Outcome, Reason and EventType are on the metrics and the span;
// WebhookID and EventID, unique per delivery, only on the span.
const (
	AttrOutcome   attribute.Key = "outcome"
	AttrReason    attribute.Key = "reason"
	AttrEventType attribute.Key = "event_type"
	AttrWebhookID attribute.Key = "webhook_id"
	AttrEventID   attribute.Key = "event_id"
)

// verificationBuckets are the bucket boundaries of the verification histogram, in
// seconds: microseconds once the body is in, but reading it from a slow client counts.
func verificationBuckets() []float64 {
	return []float64{0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
}

// handlerBuckets are the bucket boundaries of the handler histogram, in seconds: a
// handler should answer within OpenAI's timeout of about 20 s.
func handlerBuckets() []float64 {
	return []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 15, 20, 30}
}

// maxIDBytes bounds the webhook-id recorded on a span: the header of a refused delivery
// is whatever the sender wrote (OpenAI's ids have 35 bytes).
const maxIDBytes = 128

// ErrInvalidOption is returned by New for an option given a nil provider.
var ErrInvalidOption = errors.New("otelwebhooks: invalid option")

// Option is a setting of New: WithMeterProvider or WithTracerProvider. The zero Option
// changes nothing.
type Option struct {
	apply func(*config)
}

type config struct {
	meterProvider  metric.MeterProvider
	tracerProvider trace.TracerProvider
	err            error
}

// WithMeterProvider sets where the metrics go (default otel.GetMeterProvider()). Pass
// go.opentelemetry.io/otel/metric/noop's provider to record no metrics.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return Option{func(c *config) {
		if mp == nil {
			c.err = errors.Join(c.err, fmt.Errorf("%w: WithMeterProvider(nil); pass a metric.MeterProvider, or leave the option out to use otel.GetMeterProvider()", ErrInvalidOption))
		}
		c.meterProvider = mp
	}}
}

// WithTracerProvider sets where the spans go (default otel.GetTracerProvider()). Pass
// go.opentelemetry.io/otel/trace/noop's provider to record no spans.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return Option{func(c *config) {
		if tp == nil {
			c.err = errors.Join(c.err, fmt.Errorf("%w: WithTracerProvider(nil); pass a trace.TracerProvider, or leave the option out to use otel.GetTracerProvider()", ErrInvalidOption))
		}
		c.tracerProvider = tp
	}}
}

// Observer records deliveries to OpenTelemetry. It implements core.Observer and is safe
// for concurrent use; one Observer can serve several adapters and endpoints.
type Observer struct {
	tracer trace.Tracer
	// asServer and asInternal are the span start options, built once: a variadic call
	// with a slice at hand allocates nothing.
	asServer, asInternal []trace.SpanStartOption
	deliveries           metric.Int64Counter
	verification         metric.Float64Histogram
	handler              metric.Float64Histogram
	// series holds the attribute sets of every known outcome and reason; it is not
	// modified after New.
	series map[seriesKey]*series
}

var _ core.Observer = (*Observer)(nil)

// New returns an Observer recording to the global meter and tracer providers, or to
// those given with WithMeterProvider and WithTracerProvider. With the globals, set them
// (otel.SetMeterProvider, otel.SetTracerProvider) before or after New: the globals
// forward to the providers set later.
func New(opts ...Option) (*Observer, error) {
	var c config
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(&c)
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	if c.meterProvider == nil {
		c.meterProvider = otel.GetMeterProvider()
	}
	if c.tracerProvider == nil {
		c.tracerProvider = otel.GetTracerProvider()
	}
	meter := c.meterProvider.Meter(ScopeName)
	o := &Observer{
		tracer:     c.tracerProvider.Tracer(ScopeName),
		asServer:   []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)},
		asInternal: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)},
		series:     make(map[seriesKey]*series),
	}
	var errs [3]error
	o.deliveries, errs[0] = meter.Int64Counter(MetricDeliveries,
		metric.WithUnit("{delivery}"),
		metric.WithDescription("OpenAI webhook deliveries received, by outcome, reason and event type."))
	o.verification, errs[1] = meter.Float64Histogram(MetricVerificationDuration,
		metric.WithUnit("s"),
		metric.WithDescription("Time spent reading, verifying and parsing an OpenAI webhook delivery."),
		metric.WithExplicitBucketBoundaries(verificationBuckets()...))
	o.handler, errs[2] = meter.Float64Histogram(MetricHandlerDuration,
		metric.WithUnit("s"),
		metric.WithDescription("Time the application's handler of an OpenAI webhook delivery ran."),
		metric.WithExplicitBucketBoundaries(handlerBuckets()...))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("otelwebhooks: the meter provider refused an instrument: %w", err)
	}
	for _, outcome := range []core.Outcome{core.OutcomeHandled, core.OutcomeDuplicate, core.OutcomeInFlight, core.OutcomeUnhandled} {
		o.series[seriesKey{outcome, core.ReasonNone}] = newSeries(outcome, core.ReasonNone)
	}
	for _, outcome := range []core.Outcome{core.OutcomeRefused, core.OutcomeFailed} {
		for _, reason := range reasons() {
			o.series[seriesKey{outcome, reason}] = newSeries(outcome, reason)
		}
	}
	return o, nil
}

// reasons returns the reasons whose attribute sets New prepares for the outcomes refused
// and failed (ReasonNone for one without a reason). A reason added to core later is recorded all the same,
// with a little more work per delivery.
func reasons() []core.Reason {
	return []core.Reason{
		core.ReasonNone,
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
}

// spanKey is the context key of the span StartDelivery started: EndDelivery ends that
// one, never a span of the caller's.
type spanKey struct{}

// StartDelivery starts the delivery's span and returns a context holding it.
func (o *Observer) StartDelivery(ctx context.Context) context.Context {
	opts := o.asServer
	if trace.SpanContextFromContext(ctx).IsValid() {
		opts = o.asInternal
	}
	ctx, span := o.tracer.Start(ctx, SpanName, opts...)
	return context.WithValue(ctx, spanKey{}, span)
}

// EndDelivery records d in the metrics and ends the span StartDelivery started in ctx.
func (o *Observer) EndDelivery(ctx context.Context, d core.Delivery) {
	m := o.seriesFor(d.Outcome, d.Reason).options(d.EventType)
	o.deliveries.Add(ctx, 1, m.add...)
	o.verification.Record(ctx, d.Verification.Seconds(), m.record...)
	if d.Handler > 0 || d.Outcome == core.OutcomeHandled || d.Reason == core.ReasonHandlerError {
		o.handler.Record(ctx, d.Handler.Seconds(), m.record...)
	}

	span, ok := ctx.Value(spanKey{}).(trace.Span)
	if !ok {
		return
	}
	if span.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 6)
		attrs = append(attrs, AttrOutcome.String(string(d.Outcome)))
		if d.Reason != core.ReasonNone {
			attrs = append(attrs, AttrReason.String(string(d.Reason)))
		}
		for _, a := range [...]struct {
			key   attribute.Key
			value string
		}{{AttrEventType, string(d.EventType)}, {AttrWebhookID, truncate(d.WebhookID)}, {AttrEventID, d.EventID}} {
			if a.value != "" {
				attrs = append(attrs, a.key.String(a.value))
			}
		}
		if d.Status != 0 {
			attrs = append(attrs, semconv.HTTPResponseStatusCode(d.Status))
		}
		span.SetAttributes(attrs...)
		if d.Outcome == core.OutcomeRefused || d.Outcome == core.OutcomeFailed {
			description := string(d.Reason)
			if description == "" {
				description = string(d.Outcome)
			}
			span.SetStatus(codes.Error, description)
		}
	}
	span.End()
}

// seriesKey identifies the attributes of a delivery other than its event type.
type seriesKey struct {
	outcome core.Outcome
	reason  core.Reason
}

// series is the attribute sets of one outcome and reason: without an event type, and
// with each event type seen so far.
type series struct {
	attrs []attribute.KeyValue // outcome, and reason when there is one
	plain measurement

	// typed maps event types to their measurements. The map is never modified once
	// published: a new type copies it (under mu), so reads take no lock.
	typed atomic.Pointer[map[core.EventType]measurement]
	mu    sync.Mutex
}

// measurement is the options of a measurement with one attribute set, ready to pass to
// Add and Record without allocating.
type measurement struct {
	add    []metric.AddOption
	record []metric.RecordOption
}

func newMeasurement(attrs ...attribute.KeyValue) measurement {
	opt := metric.WithAttributeSet(attribute.NewSet(attrs...))
	return measurement{add: []metric.AddOption{opt}, record: []metric.RecordOption{opt}}
}

// maxTypesPerSeries bounds the event types a series keeps sets for. Only verified
// events have a type, so only OpenAI adds them, a few dozen so far; past the bound the
// set is built for each delivery.
const maxTypesPerSeries = 256

func newSeries(outcome core.Outcome, reason core.Reason) *series {
	attrs := []attribute.KeyValue{AttrOutcome.String(string(outcome))}
	if reason != core.ReasonNone {
		attrs = append(attrs, AttrReason.String(string(reason)))
	}
	s := &series{attrs: attrs, plain: newMeasurement(attrs...)}
	s.typed.Store(&map[core.EventType]measurement{})
	return s
}

func (o *Observer) seriesFor(outcome core.Outcome, reason core.Reason) *series {
	if s, ok := o.series[seriesKey{outcome, reason}]; ok {
		return s
	}
	// An outcome or reason this package does not know yet: correct, only slower.
	return newSeries(outcome, reason)
}

// options returns the measurement options of the series with the event type t.
func (s *series) options(t core.EventType) measurement {
	if t == "" {
		return s.plain
	}
	if m, ok := (*s.typed.Load())[t]; ok {
		return m
	}
	// A copy: t may share the memory of the whole body.
	t = core.EventType(strings.Clone(string(t)))
	m := newMeasurement(append(slices.Clip(s.attrs), AttrEventType.String(string(t)))...)
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.typed.Load()
	if _, ok := old[t]; !ok && len(old) < maxTypesPerSeries {
		typed := maps.Clone(old)
		typed[t] = m
		s.typed.Store(&typed)
	}
	return m
}

// truncate cuts an id from a header to maxIDBytes, never in the middle of a character.
func truncate(id string) string { return textcut.Prefix(id, maxIDBytes) }
