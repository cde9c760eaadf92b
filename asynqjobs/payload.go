package asynqjobs

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/webhookkit/openai-webhooks/core"
)

// payloadMagic is the first line of a payload: the format and its version.
const payloadMagic = "openai-webhook/1\n"

// The header lines, in the order they are written and required.
var payloadHeaders = [3]string{core.HeaderID + ": ", core.HeaderTimestamp + ": ", core.HeaderSignature + ": "}

// encodePayload lays out e's headers and raw body as described in the package doc.
func encodePayload(e *core.Event) ([]byte, error) {
	h := e.Headers
	values := [3]string{h.ID, h.Timestamp, h.Signature}
	size := len(payloadMagic) + 1 + len(e.Raw)
	for i, v := range values {
		if v == "" {
			return nil, fmt.Errorf("the event has no %s in Event.Headers: give the Enqueuer to an adapter's Handler, which sets them, or build the event with core.Verifier.Unwrap", strings.TrimSuffix(payloadHeaders[i], ": "))
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("%s contains a line break, which no HTTP header can carry", strings.TrimSuffix(payloadHeaders[i], ": "))
		}
		size += len(payloadHeaders[i]) + len(v) + 1
	}
	if len(e.Raw) == 0 {
		return nil, errors.New("the event has no raw body (Event.Raw): give the Enqueuer to an adapter's Handler, or build the event with core.Verifier.Unwrap")
	}
	p := make([]byte, 0, size)
	p = append(p, payloadMagic...)
	for i, v := range values {
		p = append(p, payloadHeaders[i]...)
		p = append(p, v...)
		p = append(p, '\n')
	}
	p = append(p, '\n')
	return append(p, e.Raw...), nil
}

// decodePayload splits a payload into the body and the headers. The body is a slice of
// p, not a copy.
func decodePayload(p []byte) ([]byte, core.Headers, error) {
	rest, ok := bytes.CutPrefix(p, []byte(payloadMagic))
	if !ok {
		return nil, core.Headers{}, fmt.Errorf("the payload (%d bytes) does not start with %q: it was not written by asynqjobs.Enqueuer", len(p), strings.TrimSuffix(payloadMagic, "\n"))
	}
	var values [3]string
	for i, name := range payloadHeaders {
		line, after, found := bytes.Cut(rest, []byte{'\n'})
		value, ok := bytes.CutPrefix(line, []byte(name))
		if !found || !ok || len(value) == 0 {
			return nil, core.Headers{}, fmt.Errorf("line %d of the payload is not \"%s<value>\"", i+2, name)
		}
		values[i], rest = string(value), after
	}
	body, ok := bytes.CutPrefix(rest, []byte{'\n'})
	if !ok {
		return nil, core.Headers{}, errors.New("the payload's headers are not followed by an empty line")
	}
	return body, core.Headers{ID: values[0], Timestamp: values[1], Signature: values[2]}, nil
}
