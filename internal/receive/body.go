package receive

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/webhookkit/openai-webhooks/core"
)

// ReceivedBody is the answer of a complete endpoint to a handled event.
func ReceivedBody() []byte { return []byte(`{"received":true}`) }

// DuplicateBody is the answer to a delivery that was already handled.
func DuplicateBody() []byte { return []byte(`{"received":true,"duplicate":true}`) }

// ErrorBody is the answer to a refused delivery: {"error":"<PublicMessage(err)>"}.
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

// Fixed messages for refusals whose detail is internal: the sender, and anyone who can
// read OpenAI's delivery log, learns only what to expect; the detail goes to the log.
const (
	msgReadBody      = "could not read the request body"
	msgInProgress    = "this delivery is being handled by another request; retry later"
	msgUnavailable   = "the webhook receiver is temporarily unavailable; retry later"
	msgHandlerFailed = "the webhook handler failed; retry later"
)

// PublicMessage is what the sender is told about err. The refusals of a delivery
// itself (400 for its headers, signature or body; 413 for its size; 501 for its
// transfer coding) keep their detail,
// which only restates what the sender sent; everything else (a handler's error, the
// idempotency store's address or keys, a network error) gets a short fixed message.
func PublicMessage(err error) string {
	switch {
	case errors.Is(err, core.ErrUnreadableBody):
		return msgReadBody
	case errors.Is(err, core.ErrDeliveryInProgress):
		return msgInProgress
	case errors.Is(err, core.ErrIdempotencyUnavailable):
		return msgUnavailable
	}
	switch core.StatusCode(err) {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusNotImplemented:
		return err.Error()
	default:
		return msgHandlerFailed
	}
}
