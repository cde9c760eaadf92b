package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
}

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

// DecodeData decodes the event's data into T, normally the data struct of the event's
// type (BatchData for batch.completed, RealtimeCallIncomingData for
// realtime.call.incoming, …). It returns an error wrapping ErrMalformedEvent when the
// data does not fit T.
func DecodeData[T any](e *Event) (T, error) {
	var data T
	if e == nil || len(e.Data) == 0 || string(e.Data) == "null" {
		return data, fmt.Errorf("%w: the event has no \"data\"", ErrMalformedEvent)
	}
	if err := json.Unmarshal(e.Data, &data); err != nil {
		return data, fmt.Errorf("%w: data of %s does not decode into %T: %v", ErrMalformedEvent, e.Type, data, err)
	}
	return data, nil
}
