package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// EventType is the "type" of an event, such as "batch.completed".
type EventType string

// Known reports whether t is one of the event types OpenAI documents today.
func (t EventType) Known() bool {
	for _, known := range knownEventTypes() {
		if t == known {
			return true
		}
	}
	return false
}

// KnownEventTypes returns every event type OpenAI documents today, in a fresh slice.
func KnownEventTypes() []EventType {
	known := knownEventTypes()
	return slices.Clone(known[:])
}

// Event is one verified webhook delivery. Data is kept as raw JSON: decode it with
// DecodeData into the struct of the event's type.
type Event struct {
	ID        string          `json:"id"`
	Object    string          `json:"object"`
	CreatedAt int64           `json:"created_at"`
	Type      EventType       `json:"type"`
	Data      json.RawMessage `json:"data"`

	WebhookID string    `json:"-"` // from the webhook-id header: the idempotency key
	Timestamp time.Time `json:"-"` // from the webhook-timestamp header
	Raw       []byte    `json:"-"` // the exact verified bytes, owned by the Event
	// Headers are the three headers as received (white space around them trimmed): a
	// queued delivery is verified again from Raw and these, with
	// Verifier.VerifyIgnoringTimestamp.
	Headers Headers `json:"-"`

	// mark is how a handler took the event without an error: MarkDuplicate,
	// MarkUnhandled.
	mark Outcome
}

// MarkDuplicate records that the handler took e without an error because it had taken
// the same delivery before: a queueing handler that found its webhook-id already queued
// (asynqjobs and riverjobs do). The adapter then answers 200
// {"received":true,"duplicate":true}, logs "duplicate delivery acknowledged" and reports
// OutcomeDuplicate, as it does for a duplicate its idempotency store found. A handler of
// its own that queues deliveries calls it the same way. It changes nothing when the
// handler returns an error: that is a failure.
//
// The mark travels on the event rather than in the error, because the Handler contract
// stays "nil means taken": code that calls a Handler itself, behind an adapter's
// middleware, keeps working. Marking allocates nothing.
func (e *Event) MarkDuplicate() { e.mark = OutcomeDuplicate }

// MarkUnhandled records that no handler took e's type: a Mux with neither a handler for
// it nor a fallback marks it so, and still returns nil, since OpenAI adds event types
// over time and the delivery must not fail. The adapter answers 200 {"received":true}
// and reports OutcomeUnhandled, so that a dashboard shows deliveries nobody handles. A
// router of the application's own calls it for the same case.
func (e *Event) MarkUnhandled() { e.mark = OutcomeUnhandled }

// Marked returns how a handler marked e: OutcomeDuplicate (MarkDuplicate),
// OutcomeUnhandled (MarkUnhandled), or "" when it took e plainly, which is what adapters
// report as OutcomeHandled. The last mark counts.
func (e *Event) Marked() Outcome { return e.mark }

// Created returns CreatedAt as a time.
func (e *Event) Created() time.Time { return time.Unix(e.CreatedAt, 0) }

// ParseEvent parses body as an event without verifying it: call it only on bytes that
// Verify accepted, or use Verifier.Unwrap. It returns an error wrapping ErrMalformedEvent
// unless body is a JSON object with a non-empty string "id" and "type". Keys match
// exactly, and a repeated key counts as its last occurrence. The Event keeps body as Raw
// and its data as a slice of it, without copying. Unknown types parse and keep their data.
func ParseEvent(body []byte) (*Event, error) {
	e := &Event{Raw: body}
	if err := parseEnvelope(body, e); err != nil {
		if errors.Is(err, errNotObject) {
			trimmed := bytes.TrimLeft(body, " \t\r\n")
			return nil, fmt.Errorf("%w: the body is not a JSON object (it starts with %q); OpenAI sends {\"id\":\"evt_…\",\"type\":\"…\",…}", ErrMalformedEvent, truncate(string(trimmed), 16))
		}
		return nil, fmt.Errorf("%w: %v", ErrMalformedEvent, err)
	}
	if e.ID == "" {
		return nil, fmt.Errorf("%w: the event has no \"id\"", ErrMalformedEvent)
	}
	if e.Type == "" {
		return nil, fmt.Errorf("%w: the event has no \"type\"", ErrMalformedEvent)
	}
	return e, nil
}

// DecodeData decodes the event's data into T: any type the JSON fits, such as the data
// struct of the event's type (BatchData for batch.completed; NewData names it for each
// type) or a pointer to it, the application's own struct, a map[string]any or a
// json.RawMessage.
//
// It refuses one kind of T: the data struct of another family of event types (BatchData
// for fine_tuning.job.succeeded), or a pointer to one. That is a mistake in the program,
// reported with an error wrapping ErrDataTypeMismatch rather than a value decoded from
// the wrong event. For a type this package does not know yet, any T is accepted. It
// returns an error wrapping ErrMalformedEvent when the event has no data or the data
// does not fit T.
func DecodeData[T any](e *Event) (T, error) {
	var zero T
	if e == nil || len(e.Data) == 0 || string(e.Data) == "null" {
		return zero, fmt.Errorf("%w: the event has no \"data\"", ErrMalformedEvent)
	}
	if isDataStruct((*T)(nil)) { // T is a data struct of this package, or points to one
		switch want := dataTypeOf(e.Type); p := want.(type) {
		case *T: // the type's own struct, already allocated: decode into it
			if err := json.Unmarshal(e.Data, p); err != nil {
				return zero, undecodable[T](e, err)
			}
			return *p, nil
		case T: // a pointer to it: return the one allocated
			if err := json.Unmarshal(e.Data, p); err != nil {
				return zero, undecodable[T](e, err)
			}
			return p, nil
		case nil: // a type this package does not know: any T
		default:
			return zero, dataTypeMismatch[T](e.Type, want)
		}
	}
	data := new(T)
	if err := json.Unmarshal(e.Data, data); err != nil {
		return zero, undecodable[T](e, err)
	}
	return *data, nil
}

// CheckDataType reports whether handlers of events of type t may take their data as T,
// by the rule of DecodeData: nil, or an error wrapping ErrDataTypeMismatch when T is
// (or points to) the data struct of another family of event types. On calls it when a
// handler is registered, so that the mistake shows at start-up; a router of another
// package (riverjobs.OnTx) calls it to apply the same rule.
func CheckDataType[T any](t EventType) error {
	want := dataTypeOf(t)
	if want == nil {
		return nil
	}
	if _, ok := want.(*T); ok || !isDataStruct((*T)(nil)) {
		return nil
	}
	if _, ok := want.(T); ok {
		return nil
	}
	return dataTypeMismatch[T](t, want)
}

func undecodable[T any](e *Event, err error) error {
	var zero T
	return fmt.Errorf("%w: data of %s does not decode into %s: %v", ErrMalformedEvent, e.Type, typeName(zero), err)
}

// dataTypeMismatch describes T asked for the data of t, whose data struct is *want.
func dataTypeMismatch[T any](t EventType, want any) error {
	var zero T
	name := strings.TrimPrefix(fmt.Sprintf("%T", want), "*")
	return fmt.Errorf("%w: the data of %s is %s, not %s; decode it into %s, a pointer to it, or a struct of your own (core.NewData gives the data type of each event type)",
		ErrDataTypeMismatch, t, name, typeName(zero), name)
}

// typeName is the name of v's type for a message, "interface {}" for a nil interface.
func typeName(v any) string {
	if v == nil {
		return "any"
	}
	return fmt.Sprintf("%T", v)
}
