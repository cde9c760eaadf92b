package core

import (
	"net/http"
	"strings"
)

// The three headers of the Standard Webhooks scheme, as OpenAI sends them.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// The same names in the canonical form net/http stores them under.
const (
	canonicalID        = "Webhook-Id"
	canonicalTimestamp = "Webhook-Timestamp"
	canonicalSignature = "Webhook-Signature"
)

// Headers holds the three signature headers of one delivery, exactly as received.
type Headers struct {
	ID        string // webhook-id: the delivery id, the same on every retry
	Timestamp string // webhook-timestamp: Unix seconds as decimal text
	Signature string // webhook-signature: space-separated "v1,<base64>" entries
}

// Trim returns h with space and tab removed from both ends of each value: the optional
// white space HTTP allows around a header value, which net/http removes and some
// frameworks keep. Verify, VerifyIgnoringTimestamp and Unwrap apply it, so every adapter
// reads a header the same way. It allocates nothing.
func (h Headers) Trim() Headers {
	if !hasOWS(h.ID) && !hasOWS(h.Timestamp) && !hasOWS(h.Signature) {
		return h // what every sender sends: nothing to cut
	}
	return Headers{ID: trimOWS(h.ID), Timestamp: trimOWS(h.Timestamp), Signature: trimOWS(h.Signature)}
}

// hasOWS reports whether s starts or ends with a space or a tab.
func hasOWS(s string) bool {
	return len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[len(s)-1] == ' ' || s[len(s)-1] == '\t')
}

// trimOWS removes spaces and tabs from both ends of s. It is a loop rather than
// strings.Trim, which builds its cutset on every call: this runs three times for each
// delivery.
func trimOWS(s string) string {
	start, end := 0, len(s)
	for start < end && (s[start] == ' ' || s[start] == '\t') {
		start++
	}
	for end > start && (s[end-1] == ' ' || s[end-1] == '\t') {
		end--
	}
	return s[start:end]
}

// HeadersFrom reads the three headers from h, whatever their letter case: under the
// canonical keys net/http uses, or under keys in any other case, as in a map literal or
// a header map converted from another framework. Of several values, the first is used.
func HeadersFrom(h http.Header) Headers {
	return Headers{
		ID:        headerValue(h, canonicalID),
		Timestamp: headerValue(h, canonicalTimestamp),
		Signature: headerValue(h, canonicalSignature),
	}
}

// headerValue is h.Get(canonical) without canonicalising the key on every call (which
// allocates for these names), falling back to a case-insensitive search. When several
// keys differ only in case, the smallest is used, so that the result does not depend on
// map order.
func headerValue(h http.Header, canonical string) string {
	if v, ok := h[canonical]; ok {
		if len(v) == 0 {
			return ""
		}
		return v[0]
	}
	found, value := "", ""
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, canonical) && (found == "" || k < found) {
			found, value = k, v[0]
		}
	}
	return value
}

// Set writes the three headers into dst, replacing any there.
func (h Headers) Set(dst http.Header) {
	dst.Set(HeaderID, h.ID)
	dst.Set(HeaderTimestamp, h.Timestamp)
	dst.Set(HeaderSignature, h.Signature)
}
