package conformance

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// limit is the body limit of the oversize cases.
const limit = 1024

// deliveryCase is one delivery sent to a fresh server: accepted when err is nil, else
// refused with status and an error naming err.
type deliveryCase struct {
	name    string
	maxBody int64
	req     func(f *fixture) request
	status  int
	err     error
}

func deliveryCases() []deliveryCase {
	batch := func(f *fixture) request { return f.signed(eventBody("evt_batch", core.BatchCompleted)) }
	tolerance := core.DefaultTolerance
	at := func(ts time.Time) func(f *fixture) request {
		return func(f *fixture) request { return f.signedBy(f.signer, ts, eventBody("evt_time", core.BatchCompleted)) }
	}
	signedBody := func(body string) func(f *fixture) request {
		return func(f *fixture) request { return f.signed([]byte(body)) }
	}
	signatures := func(sig func(valid string) string) func(f *fixture) request {
		return func(f *fixture) request {
			r := batch(f)
			return r.with(core.HeaderSignature, sig(r.header.Get(core.HeaderSignature)))
		}
	}
	oversized := func(size int, chunked bool) func(f *fixture) request {
		return func(f *fixture) request {
			r := f.signed(paddedEvent(size))
			r.chunked = chunked
			return r
		}
	}
	cases := []deliveryCase{
		{name: "unknown event type passes through", req: signedBody(`{"id":"evt_new","object":"event","created_at":1750861200,"type":"future.thing.happened","data":{"id":"x_1","extra":[1,2,{"a":null}]}}`)},
		{name: "tampered body", req: func(f *fixture) request {
			r := batch(f)
			r.body = []byte(strings.Replace(string(r.body), "evt_batch", "evt_batcH", 2))
			return r
		}, status: 400, err: core.ErrNoMatchingSignature},
		{name: "timestamp not a number", req: func(f *fixture) request { return batch(f).with(core.HeaderTimestamp, "soon") }, status: 400, err: core.ErrInvalidTimestamp},
		{name: "timestamp with a fraction", req: func(f *fixture) request { return batch(f).with(core.HeaderTimestamp, "1750861210.5") }, status: 400, err: core.ErrInvalidTimestamp},
		{name: "timestamp too old", req: at(now.Add(-tolerance - time.Second)), status: 400, err: core.ErrTimestampTooOld},
		{name: "timestamp too new", req: at(now.Add(tolerance + time.Second)), status: 400, err: core.ErrTimestampTooNew},
		{name: "timestamp at the old edge", req: at(now.Add(-tolerance))},
		{name: "timestamp at the new edge", req: at(now.Add(tolerance))},
		{name: "signature of another secret", req: func(f *fixture) request {
			return f.signedBy(f.other, now, eventBody("evt_other", core.BatchCompleted))
		}, status: 400, err: core.ErrNoMatchingSignature},
		{name: "several signatures, one valid", req: signatures(func(valid string) string {
			return "v1," + zeroSignature + " v1a,bm90IGEgc2lnbmF0dXJl " + valid + " v2,abc"
		})},
		{name: "unknown version only", req: signatures(func(valid string) string {
			return "v9," + strings.TrimPrefix(valid, "v1,")
		}), status: 400, err: core.ErrNoMatchingSignature},
		{name: "malformed signature header", req: signatures(func(string) string { return "not-a-signature" }), status: 400, err: core.ErrInvalidSignatureHeader},
		{name: "signature header over 4 KiB", req: signatures(func(valid string) string {
			return strings.Repeat("v1,"+zeroSignature+" ", core.MaxSignatureHeaderBytes/len(valid)) + valid
		}), status: 400, err: core.ErrInvalidSignatureHeader},
		{name: "valid signature over non-JSON", req: signedBody("hello, webhook"), status: 400, err: core.ErrMalformedEvent},
		{name: "valid signature over a JSON array", req: signedBody(`[{"id":"evt_1","object":"event","type":"batch.completed"}]`), status: 400, err: core.ErrMalformedEvent},
		{name: "valid signature over JSON without type", req: signedBody(`{"id":"evt_1","object":"event","created_at":1750861200,"data":{}}`), status: 400, err: core.ErrMalformedEvent},
		{name: "valid signature over an empty body", req: signedBody(""), status: 400, err: core.ErrMalformedEvent},
		{name: "body at the limit, Content-Length", maxBody: limit, req: oversized(limit, false)},
		{name: "body at the limit, chunked", maxBody: limit, req: oversized(limit, true)},
		{name: "body one byte over the limit, Content-Length", maxBody: limit, req: oversized(limit+1, false), status: 413, err: core.ErrBodyTooLarge},
		{name: "body one byte over the limit, chunked", maxBody: limit, req: oversized(limit+1, true), status: 413, err: core.ErrBodyTooLarge},
	}
	for _, name := range []string{core.HeaderID, core.HeaderTimestamp, core.HeaderSignature} {
		cases = append(cases,
			deliveryCase{name: name + " missing", req: func(f *fixture) request { return batch(f).without(name) }, status: 400, err: core.ErrMissingHeader},
			deliveryCase{name: name + " empty", req: func(f *fixture) request { return batch(f).with(name, "") }, status: 400, err: core.ErrMissingHeader},
		)
	}
	return cases
}

// zeroSignature is a well-formed v1 signature that matches nothing.
var zeroSignature = base64.StdEncoding.EncodeToString(make([]byte, 32))

func runDeliveryCase(t *testing.T, f *fixture, m mode, c deliveryCase) {
	o := f.options(m)
	o.MaxBodyBytes = c.maxBody
	s := f.start(t, m, o, nil)
	r := c.req(f)
	got := s.send(t, r)
	if c.err != nil {
		wantError(t, got, c.status, c.err)
		s.wantCalls(t, 0)
	} else {
		s.wantAnswered(t, got)
		s.wantCalls(t, 1)
		wantEvent(t, s.rec.all()[0], r)
	}
	if !m.idempotent {
		return
	}
	// The same delivery again: a refused one never reached the store and is refused
	// again; an accepted one is a duplicate now.
	again := s.send(t, r)
	if c.err != nil {
		wantError(t, again, c.status, c.err)
		s.wantCalls(t, 0)
		return
	}
	wantJSON(t, again, http.StatusOK, `{"received":true,"duplicate":true}`)
	s.wantCalls(t, 1)
}

// testKnownTypes sends one delivery of every known type to one server, over reused
// connections, and checks what the application saw only after the last: an adapter that
// kept references to reused buffers shows the wrong ids by then.
func testKnownTypes(t *testing.T, f *fixture, m mode) {
	s := f.start(t, m, f.options(m), nil)
	types := core.KnownEventTypes()
	sent := make([]request, len(types))
	for i, typ := range types {
		sent[i] = f.signed(eventBody("evt_"+strings.ReplaceAll(string(typ), ".", "_"), typ))
		s.wantAnswered(t, s.send(t, sent[i]))
	}
	seen := s.rec.all()
	if len(seen) != len(sent) {
		t.Fatalf("the application ran %d times for %d deliveries", len(seen), len(sent))
	}
	for i := range sent {
		wantEvent(t, seen[i], sent[i])
	}
}

// testNextFails checks that a failing application is answered as it answered
// (Middleware) or 500 {"error":"…"} (Handler).
func testNextFails(t *testing.T, f *fixture, m mode) {
	for _, a := range []Answer{{Status: http.StatusInternalServerError}, {Fail: true}, {Status: http.StatusUnprocessableEntity}} {
		s := f.start(t, m, f.options(m), func(int) Answer { return a })
		got := s.send(t, f.signed(eventBody("evt_fail", core.ResponseFailed)))
		s.wantCalls(t, 1)
		switch {
		case !m.middleware:
			wantError(t, got, http.StatusInternalServerError, errApplication)
		case a.Fail && got.status != http.StatusInternalServerError:
			t.Fatalf("next failed with an error; got %d %s, want 500", got.status, got.body)
		case !a.Fail && got.status != a.Status:
			t.Fatalf("next answered %d; got %d %s", a.Status, got.status, got.body)
		}
	}
}

// testMarked checks the answers to a handler that took the event without an error but
// marked how: a duplicate it found already queued is answered as the idempotency store's
// duplicates are, an event no handler took {"received":true}; behind Middleware the next
// handler's own answer stands. A handler failing with a delivery's sentinel (data that
// does not decode) is still the receiver's failure: 500 with the fixed message.
func testMarked(t *testing.T, f *fixture, m mode) {
	_, decodeErr := core.DecodeData[core.BatchData](&core.Event{Type: core.BatchCompleted, Data: []byte(`{"id":42}`)})
	tests := []struct {
		name   string
		answer Answer
		body   string
	}{
		{"duplicate", Answer{Status: http.StatusOK, Mark: (*core.Event).MarkDuplicate}, `{"received":true,"duplicate":true}`},
		{"unhandled", Answer{Status: http.StatusOK, Mark: (*core.Event).MarkUnhandled}, `{"received":true}`},
		{"failed with ErrMalformedEvent", Answer{Status: http.StatusOK, Err: decodeErr}, ""},
	}
	for _, tc := range tests {
		s := f.start(t, m, f.options(m), func(int) Answer { return tc.answer })
		got := s.send(t, f.signed(eventBody("evt_marked", core.BatchCompleted)))
		s.wantCalls(t, 1)
		switch {
		case m.middleware:
			s.wantAnswered(t, got)
		case tc.body == "":
			wantError(t, got, http.StatusInternalServerError, core.ErrHandlerFailed)
			if strings.Contains(string(got.body), "decode") || strings.Contains(string(got.body), "malformed") {
				t.Fatalf("%s: the reply %s carries the handler's error", tc.name, got.body)
			}
		default:
			wantJSON(t, got, http.StatusOK, tc.body)
		}
	}
}
