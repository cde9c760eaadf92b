// Package fasthttpheaders reads the three webhook headers of a fasthttp request, for the
// adapters of the frameworks built on fasthttp (fiberadapter for fiber v2, fiberv3adapter
// for fiber v3); both use the one fasthttp of this module's go.mod.
package fasthttpheaders

import (
	"bytes"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/webhookkit/openai-webhooks/core"
)

// From returns the webhook-id, webhook-timestamp and webhook-signature of h as sent in
// the request's own header block, copied into memory the caller owns: fasthttp reuses
// its buffers once the handler returns, and the event keeps the headers.
//
// fasthttp appends the fields of a chunked body's trailer section to the same header
// list that Peek searches, so a header missing from the header block would be found in
// the trailers. For a request that may have had trailers (fasthttp reads them only after
// a chunked body, whose ContentLength is then -1, or 0 when it was empty) From therefore
// reads the raw header block the server parsed, where the first value of each name
// counts, as with http.Header.Get and Peek. A request with a positive Content-Length,
// which has no trailers, and one not parsed from the wire (no raw header block) are read
// with Peek, which is cheaper.
func From(h *fasthttp.RequestHeader) core.Headers {
	var id, ts, sig []byte
	if h.ContentLength() > 0 || len(h.RawHeaders()) == 0 {
		id, ts, sig = h.Peek(core.HeaderID), h.Peek(core.HeaderTimestamp), h.Peek(core.HeaderSignature)
	} else {
		var seenID, seenTS, seenSig bool
		for k, v := range h.AllInOrder() {
			switch {
			case !seenID && bytes.EqualFold(k, headerID):
				id, seenID = v, true
			case !seenTS && bytes.EqualFold(k, headerTimestamp):
				ts, seenTS = v, true
			case !seenSig && bytes.EqualFold(k, headerSignature):
				sig, seenSig = v, true
			}
		}
	}
	return clone(id, ts, sig)
}

var (
	headerID        = []byte(core.HeaderID)
	headerTimestamp = []byte(core.HeaderTimestamp)
	headerSignature = []byte(core.HeaderSignature)
)

// clone copies the three values into one new string (one allocation) and slices it.
func clone(id, ts, sig []byte) core.Headers {
	var b strings.Builder
	b.Grow(len(id) + len(ts) + len(sig))
	b.Write(id)
	b.Write(ts)
	b.Write(sig)
	s := b.String()
	return core.Headers{
		ID:        s[:len(id)],
		Timestamp: s[len(id) : len(id)+len(ts)],
		Signature: s[len(id)+len(ts):],
	}
}
