package receive

import (
	"encoding/json"

	"github.com/webhookkit/openai-webhooks/core"
)

// ReceivedBody is the answer of a complete endpoint to a handled event.
func ReceivedBody() []byte { return []byte(`{"received":true}`) }

// DuplicateBody is the answer to a delivery that was already handled or queued.
func DuplicateBody() []byte { return []byte(`{"received":true,"duplicate":true}`) }

// ErrorBody is the answer to a refused or failed delivery: {"error":"<PublicMessage(err)>"}.
func ErrorBody(err error) []byte { return errorJSON(PublicMessage(err)) }

func errorJSON(msg string) []byte {
	b, marshalErr := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	if marshalErr != nil {
		return []byte(`{"error":"webhook rejected"}`)
	}
	return b
}

// ContentType is the content type of every body above.
const ContentType = "application/json; charset=utf-8"

// PublicMessage is what the sender is told about err: core.Classify's Message, read
// from the classification the pipeline made when it refused the delivery.
func PublicMessage(err error) string { return RefusalOf(err).Message }

// classified is the error of a refused or failed delivery with its classification
// (core.Classify), made once, where the pipeline refused it: the log, the observer, the
// status and the reply body all read it, so the error's chain is walked once per
// delivery. It unwraps to the error, so errors.Is and errors.As see through it.
type classified struct {
	err error
	r   core.Refusal
}

func (c *classified) Error() string { return c.err.Error() }
func (c *classified) Unwrap() error { return c.err }

// classify returns err with its classification.
func classify(err error) *classified {
	if c, ok := err.(*classified); ok {
		return c
	}
	return &classified{err: err, r: core.Classify(err)}
}

// RefusalOf returns the classification of err: the one the pipeline made, or
// core.Classify(err) for an error that did not come from it.
func RefusalOf(err error) core.Refusal {
	if c, ok := err.(*classified); ok {
		return c.r
	}
	return core.Classify(err)
}
