package receive

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/webhookkit/openai-webhooks/core"
)

// rawHeaderBlock is what the fiber adapters (v2 and v3, on fasthttp) read from a request's
// raw header block: "Name: value" lines, as fasthttp's RequestHeader.RawHeaders returns
// them. fasthttp merges the fields of a chunked body's trailer into its header map, and
// reads any Transfer-Encoding other than identity as chunked; the raw block holds only
// the request's own header fields, as sent, so reading it gives fiber the same rules as
// net/http.
type rawHeaderBlock struct {
	Webhook          core.Headers
	TransferEncoding string
	// Found is false when raw held no header field at all: a request built by hand
	// rather than parsed from the wire, whose header map the caller reads instead.
	Found bool
}

// parseRawHeaders reads the three webhook headers and Transfer-Encoding from raw. Names
// match in any letter case; of several fields with one name the first counts, as in
// core.HeadersFrom; white space around values is trimmed. The values are copies: they
// outlive raw, whose buffer fasthttp reuses.
func parseRawHeaders(raw []byte) rawHeaderBlock {
	var r rawHeaderBlock
	var seen [4]bool
	for len(raw) > 0 {
		var line []byte
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			line, raw = raw, nil
		}
		name, value, ok := bytes.Cut(bytes.TrimSuffix(line, []byte("\r")), []byte(":"))
		if !ok || len(name) == 0 || name[0] == ' ' || name[0] == '\t' {
			continue // a blank line, or an obsolete folded continuation
		}
		r.Found = true
		var field int
		switch {
		case equalFold(name, core.HeaderID):
			field = 0
		case equalFold(name, core.HeaderTimestamp):
			field = 1
		case equalFold(name, core.HeaderSignature):
			field = 2
		case equalFold(name, "Transfer-Encoding"):
			field = 3
		default:
			continue
		}
		if seen[field] {
			continue
		}
		seen[field] = true
		v := string(bytes.Trim(value, " \t"))
		switch field {
		case 0:
			r.Webhook.ID = v
		case 1:
			r.Webhook.Timestamp = v
		case 2:
			r.Webhook.Signature = v
		case 3:
			r.TransferEncoding = v
		}
	}
	return r
}

func equalFold(b []byte, s string) bool {
	return len(b) == len(s) && strings.EqualFold(string(b), s)
}

// checkTransferEncoding returns an error wrapping core.ErrUnsupportedTransferEncoding
// unless te is empty or "chunked": net/http answers such a request 501 before any handler
// runs, and the fiber adapters do the same, rather than read a body coded in a way they
// cannot undo.
func checkTransferEncoding(te string) error {
	if te == "" || strings.EqualFold(te, "chunked") {
		return nil
	}
	return fmt.Errorf("%w: Transfer-Encoding %q; send the body with Content-Length or chunked, and nothing else", core.ErrUnsupportedTransferEncoding, truncate(te, 32))
}

// VerifyFastHTTP verifies a delivery received by fasthttp, for the fiber adapters: body
// is the body as received (never decompressed) and rawHeaders the request's raw header
// block (see rawHeaderBlock). For a request built by hand rather than parsed, which has no
// raw block, peek reads a header from fasthttp's map instead. Everything the event keeps
// is copied, since fasthttp reuses its buffers. On success the returned context carries
// the event (core.NewContext) and the delivery's observation: make it the request's
// context and pass it to Dispatch or Handle.
func (p *Pipeline) VerifyFastHTTP(ctx context.Context, body, rawHeaders []byte, peek func(name string) string) (context.Context, *core.Event, error) {
	h := parseRawHeaders(rawHeaders)
	if !h.Found {
		h.Webhook = core.Headers{
			ID:        strings.Clone(peek(core.HeaderID)),
			Timestamp: strings.Clone(peek(core.HeaderTimestamp)),
			Signature: strings.Clone(peek(core.HeaderSignature)),
		}
	}
	ctx, o := p.begin(ctx, h.Webhook)
	if err := checkTransferEncoding(h.TransferEncoding); err != nil {
		return ctx, nil, p.reject(ctx, o, h.Webhook, err)
	}
	e, err := p.verify(ctx, o, body, h.Webhook)
	if err != nil {
		return ctx, nil, err
	}
	return core.NewContext(ctx, e), e, nil
}

// FrameworkRefusal is the answer to a request the framework itself refused before any
// handler ran (fiber's ErrorHandler: body over its BodyLimit, read timeout, malformed
// request), or to an error a handler returned with code: the status (code, or 500 when
// code is no error status) and {"error":"…"} with a fixed message for that status, never
// the framework's error text, which may quote the request or name internals. The text
// only decides one case: fasthttp refuses a Transfer-Encoding other than chunked as a
// malformed request (400), which is answered 501, as net/http answers it.
func FrameworkRefusal(code int, text string) (status int, body []byte) {
	status = code
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	if status == http.StatusBadRequest && strings.Contains(text, "unsupported Transfer-Encoding") {
		status = http.StatusNotImplemented
	}
	msg, ok := frameworkMessages[status]
	if !ok {
		msg = strings.ToLower(http.StatusText(status))
		if msg == "" || status >= 500 {
			msg = "internal server error"
		}
	}
	return status, errorJSON(msg)
}

var frameworkMessages = map[int]string{
	http.StatusBadRequest:                  "malformed HTTP request",
	http.StatusRequestTimeout:              "timed out reading the request",
	http.StatusRequestEntityTooLarge:       "the request body is over the server's limit",
	http.StatusRequestHeaderFieldsTooLarge: "the request headers are too large",
	http.StatusNotImplemented:              "unsupported transfer encoding",
}
