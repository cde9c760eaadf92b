package riverjobs

import (
	"encoding/json"
	"fmt"

	"github.com/webhookkit/openai-webhooks/core"
)

// Kind is the River job kind of EventArgs.
const Kind = "openai_webhook"

// EventArgs is a stored delivery: the raw body and the three headers as received. It is a
// river.JobArgs of kind "openai_webhook".
//
// Body is a byte slice, encoded as base64 in the job's JSON: River stores job arguments
// as jsonb, which re-formats raw JSON (spaces, key order), and a re-formatted body would
// no longer match its signature. WebhookID is the only field that counts for uniqueness
// (the river:"unique" tag).
type EventArgs struct {
	WebhookID string `json:"webhook_id" river:"unique"`
	Timestamp string `json:"timestamp"`
	Signature string `json:"signature"`
	Body      []byte `json:"body"`

	// decodeErr records arguments that did not decode, so that the worker can cancel
	// the job instead of River failing (and retrying) it before the worker sees it.
	decodeErr error
}

// Kind returns "openai_webhook".
func (EventArgs) Kind() string { return Kind }

// Headers returns the three headers of the delivery.
func (a EventArgs) Headers() core.Headers {
	return core.Headers{ID: a.WebhookID, Timestamp: a.Timestamp, Signature: a.Signature}
}

// UnmarshalJSON decodes args as encoding/json does, with one difference: it never fails.
// Arguments that do not decode (a job written by something other than this package)
// leave a with a recorded error, and the workers of this package cancel such a job
// instead of letting River retry a job that can never decode.
func (a *EventArgs) UnmarshalJSON(data []byte) error {
	type plain EventArgs // without this method
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		*a = EventArgs{decodeErr: err}
		return nil
	}
	*a = EventArgs(p)
	a.decodeErr = nil
	return nil
}

// NewEventArgs returns the job arguments for a verified event, as an adapter hands it to
// a core.Handler. It fails with ErrNoHeaders when e does not carry the headers it was
// received with (an event built by hand, or parsed with core.ParseEvent): such an event
// could not be verified again by the worker.
func NewEventArgs(e *core.Event) (EventArgs, error) {
	if e == nil {
		return EventArgs{}, fmt.Errorf("%w: the event is nil", ErrNoHeaders)
	}
	h := e.Headers
	if h.ID == "" || h.Timestamp == "" || h.Signature == "" {
		return EventArgs{}, fmt.Errorf("%w: event %q lacks the webhook-id, webhook-timestamp or webhook-signature it was received with; enqueue the events an adapter or core.Verifier.Unwrap returns", ErrNoHeaders, e.ID)
	}
	return EventArgs{WebhookID: h.ID, Timestamp: h.Timestamp, Signature: h.Signature, Body: e.Raw}, nil
}
