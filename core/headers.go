package core

import "net/http"

// The three headers of the Standard Webhooks scheme, as OpenAI sends them.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Headers holds the three signature headers of one delivery, exactly as received.
type Headers struct {
	ID        string // webhook-id: the delivery id, the same on every retry
	Timestamp string // webhook-timestamp: Unix seconds as decimal text
	Signature string // webhook-signature: space-separated "v1,<base64>" entries
}

// HeadersFrom reads the three headers from h, whatever their letter case.
func HeadersFrom(h http.Header) Headers {
	return Headers{
		ID:        h.Get(HeaderID),
		Timestamp: h.Get(HeaderTimestamp),
		Signature: h.Get(HeaderSignature),
	}
}

// Set writes the three headers into dst, replacing any there.
func (h Headers) Set(dst http.Header) {
	dst.Set(HeaderID, h.ID)
	dst.Set(HeaderTimestamp, h.Timestamp)
	dst.Set(HeaderSignature, h.Signature)
}
