// Package webhooktest builds correctly signed OpenAI webhook deliveries for the tests of
// an application's own webhook endpoint, the way net/http/httptest builds requests.
//
// A Sender holds a signing secret and signs deliveries with it as OpenAI does (Standard
// Webhooks v1, HMAC-SHA256). Give the application the same secret, or the Verifier the
// Sender returns, and send it requests:
//
//	sender := webhooktest.NewSender()
//	handler := newWebhookHandler(sender.Verifier()) // the application's endpoint
//
//	req := sender.NewRequest("/webhooks/openai", core.BatchCompleted, core.BatchData{ID: "batch_1"})
//	rec := httptest.NewRecorder()
//	handler.ServeHTTP(rec, req)
//	// rec.Code is 200, and the application saw batch_1.
//
// For a Lambda function, a Delivery is also the request event each HTTP front of Lambda
// sends (aws-lambda-go's events types: HTTPAPIEvent, FunctionURLEvent, RESTAPIEvent,
// ALBEvent), or its JSON for lambdaadapter.Handler's Invoke (LambdaPayload), the body
// plain or base64-encoded (WithBase64Body).
//
// Deliveries are built for tests: like httptest.NewRequest, the functions of this package
// panic on arguments that cannot make a delivery (data that does not marshal to JSON, an
// invalid target), rather than return an error a test would have to check.
package webhooktest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// Sender signs deliveries with one secret, as OpenAI signs the deliveries of one webhook
// endpoint. It is safe for concurrent use.
type Sender struct {
	secret string
	signer *core.Signer
}

// NewSender returns a Sender with a fresh secret (core.GenerateSecret). It panics only if
// the system's random source fails, which crypto/rand does not do on supported platforms.
func NewSender() *Sender {
	secret, err := core.GenerateSecret()
	if err != nil {
		panic("webhooktest: " + err.Error())
	}
	s, err := NewSenderWithSecret(secret)
	if err != nil {
		panic(err) // a fresh secret is always valid
	}
	return s
}

// NewSenderWithSecret returns a Sender that signs with secret: a whsec_ secret as the
// OpenAI dashboard shows it, or its bare base64 (v1 signatures, as OpenAI sends). It
// returns an error wrapping core.ErrInvalidSecret for anything else, whsk_ ed25519 keys
// included: sign v1a deliveries with core.NewSigner.
func NewSenderWithSecret(secret string) (*Sender, error) {
	if _, err := core.NewVerifier(secret); err != nil {
		return nil, fmt.Errorf("webhooktest: %w", err)
	}
	signer, err := core.NewSigner(secret)
	if err != nil {
		return nil, fmt.Errorf("webhooktest: %w", err)
	}
	return &Sender{secret: strings.TrimSpace(secret), signer: signer}, nil
}

// Secret returns the Sender's secret, to give to the application under test, for
// instance with t.Setenv(core.EnvSecret, sender.Secret()).
func (s *Sender) Secret() string { return s.secret }

// Signer returns the core.Signer the Sender signs with.
func (s *Sender) Signer() *core.Signer { return s.signer }

// Verifier returns a core.Verifier for the Sender's secret, with opts. It panics when an
// option is invalid (core.ErrInvalidOption), as a mistake in the test's set-up.
func (s *Sender) Verifier(opts ...core.Option) *core.Verifier {
	v, err := core.NewVerifier(s.secret, opts...)
	if err != nil {
		panic("webhooktest: Sender.Verifier: " + err.Error())
	}
	return v
}

// Option sets a detail of a delivery made by Delivery or NewRequest: a HeaderOption
// (WithWebhookID, WithTimestamp) or an EventOption (WithEventID, WithCreatedAt). By
// default each delivery has a new webhook-id and event id, and is sent and created now.
// A nil Option, and the zero HeaderOption or EventOption, change nothing.
type Option interface {
	applyTo(d *delivery)
}

// HeaderOption sets a header of a delivery: WithWebhookID or WithTimestamp. Every
// function that signs takes it, SignBody included.
type HeaderOption struct {
	apply func(*delivery)
}

func (o HeaderOption) applyTo(d *delivery) {
	if o.apply != nil {
		o.apply(d)
	}
}

// EventOption sets a field of the event body that Delivery and NewRequest build:
// WithEventID or WithCreatedAt. SignBody, which signs a body as given, does not take it,
// so that an option that could do nothing there does not compile.
type EventOption struct {
	apply func(*delivery)
}

func (o EventOption) applyTo(d *delivery) {
	if o.apply != nil {
		o.apply(d)
	}
}

type delivery struct {
	webhookID string
	eventID   string
	timestamp time.Time
	createdAt time.Time
}

// WithWebhookID sets the webhook-id header, the delivery id that OpenAI repeats on every
// retry of a delivery: send two deliveries with the same id to test de-duplication.
func WithWebhookID(id string) HeaderOption {
	return HeaderOption{func(d *delivery) { d.webhookID = id }}
}

// WithTimestamp sets when the delivery is sent, the webhook-timestamp header (and the
// event's created_at, unless WithCreatedAt sets it): a time more than the verifier's
// tolerance away tests the refusal of a stale or replayed delivery.
func WithTimestamp(t time.Time) HeaderOption {
	return HeaderOption{func(d *delivery) { d.timestamp = t }}
}

// WithEventID sets the event's "id" (evt_…), which stays the same when an event is
// delivered again with a new webhook-id.
func WithEventID(id string) EventOption {
	return EventOption{func(d *delivery) { d.eventID = id }}
}

// WithCreatedAt sets the event's "created_at".
func WithCreatedAt(t time.Time) EventOption {
	return EventOption{func(d *delivery) { d.createdAt = t }}
}

func newDelivery(opts []Option) delivery {
	var d delivery
	for _, o := range opts {
		if o != nil {
			o.applyTo(&d)
		}
	}
	if d.webhookID == "" {
		d.webhookID = core.NewWebhookID()
	}
	if d.eventID == "" {
		d.eventID = newEventID()
	}
	if d.timestamp.IsZero() {
		d.timestamp = time.Now()
	}
	if d.createdAt.IsZero() {
		d.createdAt = d.timestamp
	}
	return d
}

// newEventID returns an id shaped like OpenAI's: "evt_" and 32 hex digits.
func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return "evt_" + hex.EncodeToString(b[:])
}

// Delivery is one signed delivery: the body and the three webhook headers.
type Delivery struct {
	Body    []byte
	Headers core.Headers
}

// Header returns the delivery's HTTP headers: the three webhook headers and
// Content-Type application/json, as OpenAI sends them.
func (d Delivery) Header() http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	d.Headers.Set(h)
	return h
}

// NewRequest returns an incoming POST request of the delivery to target, for a handler's
// ServeHTTP, as httptest.NewRequest does: target is a path such as "/webhooks/openai" or
// an absolute URL. To send it to a server over the network, use NewClientRequest.
func (d Delivery) NewRequest(target string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(d.Body))
	for k, v := range d.Header() {
		r.Header[k] = v
	}
	return r
}

// NewClientRequest returns an outgoing POST request of the delivery to url, for
// http.Client.Do, against a server started with httptest.NewServer or a framework's own
// listener. It panics when url is not a valid absolute URL.
func (d Delivery) NewClientRequest(url string) *http.Request {
	r, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.Body))
	if err != nil {
		panic("webhooktest: NewClientRequest: " + err.Error())
	}
	for k, v := range d.Header() {
		r.Header[k] = v
	}
	return r
}

// event is the body OpenAI sends, in its field order.
type event struct {
	ID        string          `json:"id"`
	Object    string          `json:"object"`
	CreatedAt int64           `json:"created_at"`
	Type      core.EventType  `json:"type"`
	Data      json.RawMessage `json:"data"`
}

// Delivery returns a signed delivery of an event of type t with data: any value that
// encoding/json marshals to an object, normally the data struct of t (core.BatchData
// for core.BatchCompleted, …), or a json.RawMessage. Any type, including one OpenAI has
// not announced yet, can be sent. It panics when data does not marshal.
func (s *Sender) Delivery(t core.EventType, data any, opts ...Option) Delivery {
	d := newDelivery(opts)
	raw, err := json.Marshal(data)
	if err != nil {
		panic(fmt.Sprintf("webhooktest: the data of %s (%T) does not marshal to JSON: %v", t, data, err))
	}
	body, err := json.Marshal(event{ID: d.eventID, Object: "event", CreatedAt: d.createdAt.Unix(), Type: t, Data: raw})
	if err != nil {
		panic(fmt.Sprintf("webhooktest: the event %s does not marshal to JSON: %v", t, err))
	}
	return Delivery{Body: body, Headers: s.signer.Headers(d.webhookID, d.timestamp, body)}
}

// SignBody returns a delivery of body exactly as given, signed: for bodies Delivery does
// not make, such as a recorded delivery or one that is not a valid event. It takes only
// HeaderOptions: the body's own fields are as given.
func (s *Sender) SignBody(body []byte, opts ...HeaderOption) Delivery {
	all := make([]Option, len(opts))
	for i, o := range opts {
		all[i] = o
	}
	d := newDelivery(all)
	b := bytes.Clone(body)
	return Delivery{Body: b, Headers: s.signer.Headers(d.webhookID, d.timestamp, b)}
}

// NewRequest returns an incoming, signed POST request to target of an event of type t
// with data, ready for a handler's ServeHTTP: Delivery(t, data, opts...).NewRequest(target).
func (s *Sender) NewRequest(target string, t core.EventType, data any, opts ...Option) *http.Request {
	return s.Delivery(t, data, opts...).NewRequest(target)
}
