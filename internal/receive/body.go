package receive

import "encoding/json"

// ReceivedBody is the answer of a complete endpoint to a handled event.
func ReceivedBody() []byte { return []byte(`{"received":true}`) }

// DuplicateBody is the answer to a delivery that was already handled.
func DuplicateBody() []byte { return []byte(`{"received":true,"duplicate":true}`) }

// ErrorBody is the answer to a refused delivery: {"error":"<message>"}.
func ErrorBody(err error) []byte {
	b, marshalErr := json.Marshal(struct {
		Error string `json:"error"`
	}{err.Error()})
	if marshalErr != nil {
		return []byte(`{"error":"webhook rejected"}`)
	}
	return b
}

// ContentType is the content type of every body above.
const ContentType = "application/json; charset=utf-8"
