package core_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

func TestUnwrap(t *testing.T) {
	body := testBody()
	h := signedHeaders(t, testID, testNow, body)
	v := mustVerifier(t, testSecret, fixedClock(testNow.Add(time.Minute)))

	e, err := v.Unwrap(body, h)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != "evt_685c059ae3a481909bdc86819b066fb6" || e.Type != core.BatchCompleted || e.Object != "event" || e.CreatedAt != 1750861210 {
		t.Errorf("event = %+v", e)
	}
	if string(e.Data) != `{"id":"batch_abc123"}` {
		t.Errorf("Data = %s", e.Data)
	}
	if e.WebhookID != testID {
		t.Errorf("WebhookID = %q, want %q", e.WebhookID, testID)
	}
	if !e.Timestamp.Equal(testNow) {
		t.Errorf("Timestamp = %v, want %v (the header, not the clock)", e.Timestamp, testNow)
	}
	if !e.Created().Equal(time.Unix(1750861210, 0)) {
		t.Errorf("Created() = %v", e.Created())
	}
	if !bytes.Equal(e.Raw, body) {
		t.Fatalf("Raw = %q, want the body", e.Raw)
	}

	// Raw is the Event's own copy: the caller may reuse its buffer.
	for i := range body {
		body[i] = 'x'
	}
	if string(e.Raw) != testBodyText {
		t.Errorf("Raw changed with the caller's buffer: %q", e.Raw)
	}
	if string(e.Data) != `{"id":"batch_abc123"}` || e.ID != "evt_685c059ae3a481909bdc86819b066fb6" {
		t.Errorf("event changed with the caller's buffer: %+v", e)
	}
	data, err := core.DecodeData[core.BatchData](e)
	if err != nil || data.ID != "batch_abc123" {
		t.Errorf("DecodeData = %+v, %v", data, err)
	}
}

// TestUnwrapVerifiesFirst checks that an unverified body is never parsed: a forgery that
// is not JSON fails on its signature, not on its syntax.
func TestUnwrapVerifiesFirst(t *testing.T) {
	v := mustVerifier(t, testSecret, fixedClock(testNow))
	good := signedHeaders(t, testID, testNow, testBody())
	tests := []struct {
		name string
		body []byte
		h    core.Headers
		want error
	}{
		{"forged non-JSON body", []byte("not json at all"), good, core.ErrNoMatchingSignature},
		{"forged empty body", nil, good, core.ErrNoMatchingSignature},
		{"forged JSON array", []byte("[1,2,3]"), good, core.ErrNoMatchingSignature},
		{"forged event", []byte(`{"id":"evt_x","type":"batch.completed"}`), good, core.ErrNoMatchingSignature},
		{"missing header, non-JSON body", []byte("<html>"), core.Headers{}, core.ErrMissingHeader},
		{"stale, non-JSON body", []byte("<html>"), core.Headers{ID: testID, Timestamp: "1", Signature: good.Signature}, core.ErrTimestampTooOld},
		{"signed non-JSON body", []byte("not json"), signedHeaders(t, testID, testNow, []byte("not json")), core.ErrMalformedEvent},
		{"signed event without type", []byte(`{"id":"evt_1"}`), signedHeaders(t, testID, testNow, []byte(`{"id":"evt_1"}`)), core.ErrMalformedEvent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := v.Unwrap(tc.body, tc.h)
			checkErr(t, err, tc.want)
			if e != nil {
				t.Errorf("an Event was returned with the error: %+v", e)
			}
		})
	}
}

func TestParseEvent(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error
	}{
		{"minimal", `{"id":"evt_1","type":"batch.completed"}`, nil},
		{"full", `{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`, nil},
		{"leading white space", " \r\n\t{\"id\":\"evt_1\",\"type\":\"batch.completed\"}", nil},
		{"trailing white space", "{\"id\":\"evt_1\",\"type\":\"batch.completed\"}\n", nil},
		{"unknown fields", `{"id":"evt_1","type":"batch.completed","future":{"a":[1,2]}}`, nil},

		{"empty", ``, core.ErrMalformedEvent},
		{"white space only", " \n", core.ErrMalformedEvent},
		{"not JSON", `hello`, core.ErrMalformedEvent},
		{"JSON array", `[{"id":"evt_1","type":"batch.completed"}]`, core.ErrMalformedEvent},
		{"JSON string", `"evt_1"`, core.ErrMalformedEvent},
		{"JSON null", `null`, core.ErrMalformedEvent},
		{"JSON number", `42`, core.ErrMalformedEvent},
		{"truncated", `{"id":"evt_1","type":"batch.comp`, core.ErrMalformedEvent},
		{"trailing garbage", `{"id":"evt_1","type":"batch.completed"} x`, core.ErrMalformedEvent},
		{"two objects", `{"id":"evt_1","type":"batch.completed"}{}`, core.ErrMalformedEvent},
		{"empty object", `{}`, core.ErrMalformedEvent},
		{"no type", `{"id":"evt_1","data":{}}`, core.ErrMalformedEvent},
		{"empty type", `{"id":"evt_1","type":""}`, core.ErrMalformedEvent},
		{"null type", `{"id":"evt_1","type":null}`, core.ErrMalformedEvent},
		{"type not a string", `{"id":"evt_1","type":7}`, core.ErrMalformedEvent},
		{"no id", `{"type":"batch.completed"}`, core.ErrMalformedEvent},
		{"empty id", `{"id":"","type":"batch.completed"}`, core.ErrMalformedEvent},
		{"id not a string", `{"id":123,"type":"batch.completed"}`, core.ErrMalformedEvent},
		{"id an object", `{"id":{"x":1},"type":"batch.completed"}`, core.ErrMalformedEvent},
		{"created_at a string", `{"id":"evt_1","type":"batch.completed","created_at":"yesterday"}`, core.ErrMalformedEvent},
		{"invalid UTF-8 is not an error", "{\"id\":\"evt_\xff\",\"type\":\"batch.completed\"}", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := core.ParseEvent([]byte(tc.body))
			checkErr(t, err, tc.want)
			if err != nil {
				if e != nil {
					t.Errorf("an Event was returned with the error")
				}
				if core.StatusCode(err) != 400 {
					t.Errorf("StatusCode = %d, want 400", core.StatusCode(err))
				}
				return
			}
			if e.ID == "" || e.Type == "" {
				t.Errorf("event without id or type: %+v", e)
			}
			if string(e.Raw) != tc.body {
				t.Errorf("Raw = %q, want the body", e.Raw)
			}
		})
	}
}

// TestParseEventUnknownType checks that a type OpenAI adds tomorrow parses, with its data
// kept byte for byte.
func TestParseEventUnknownType(t *testing.T) {
	data := `{ "id" : "thing_1",  "nested": {"b":2, "a":[1, 2.50, "x\u00e9"]}, "n": 1e3 }`
	body := `{"id":"evt_9","object":"event","created_at":1,"type":"brand.new_type","data":` + data + `}`
	e, err := core.ParseEvent([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if e.Type != "brand.new_type" || e.Type.Known() {
		t.Errorf("Type = %q, Known() = %v", e.Type, e.Type.Known())
	}
	if string(e.Data) != data {
		t.Errorf("Data = %s\nwant   %s", e.Data, data)
	}
	if core.NewData(e.Type) != nil {
		t.Errorf("NewData of an unknown type is not nil")
	}
	// It also goes through Unwrap and a Mux without a handler for it.
	h := signedHeaders(t, testID, testNow, []byte(body))
	e2, err := mustVerifier(t, testSecret, fixedClock(testNow)).Unwrap([]byte(body), h)
	if err != nil || string(e2.Data) != data {
		t.Fatalf("Unwrap: %v, data %s", err, e2.Data)
	}
	if err := core.NewMux().HandleEvent(t.Context(), e2); err != nil {
		t.Errorf("Mux without handlers: %v", err)
	}
}

// TestParseEventKeepsBody checks ParseEvent's documented ownership: Raw is the body given
// and Data a slice of it, not copies (Unwrap is the one that copies).
func TestParseEventKeepsBody(t *testing.T) {
	body := []byte(`{"id":"evt_1","type":"batch.completed","data":{"id":"b"}}`)
	e, err := core.ParseEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Raw) == 0 || &e.Raw[0] != &body[0] {
		t.Errorf("Raw is not the body given")
	}
	body[len(body)-4] = 'Z'
	if string(e.Data) != `{"id":"Z"}` {
		t.Errorf("Data is not a slice of the body: %s", e.Data)
	}
}

func TestDecodeDataErrors(t *testing.T) {
	tests := []struct {
		name string
		e    *core.Event
	}{
		{"nil event", nil},
		{"no data", &core.Event{ID: "evt_1", Type: core.BatchCompleted}},
		{"null data", &core.Event{ID: "evt_1", Type: core.BatchCompleted, Data: []byte("null")}},
		{"data an array", &core.Event{ID: "evt_1", Type: core.BatchCompleted, Data: []byte(`[1]`)}},
		{"data a string", &core.Event{ID: "evt_1", Type: core.BatchCompleted, Data: []byte(`"batch_1"`)}},
		{"id a number", &core.Event{ID: "evt_1", Type: core.BatchCompleted, Data: []byte(`{"id":5}`)}},
		{"invalid JSON", &core.Event{ID: "evt_1", Type: core.BatchCompleted, Data: []byte(`{"id":`)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := core.DecodeData[core.BatchData](tc.e)
			if !errors.Is(err, core.ErrMalformedEvent) {
				t.Fatalf("DecodeData: %v, want ErrMalformedEvent", err)
			}
			if core.StatusCode(err) != 400 {
				t.Errorf("StatusCode = %d", core.StatusCode(err))
			}
		})
	}
	// A nested shape that does not fit.
	e := &core.Event{ID: "evt_1", Type: core.RealtimeCallIncoming, Data: []byte(`{"call_id":"c","sip_headers":{"name":"x"}}`)}
	if _, err := core.DecodeData[core.RealtimeCallIncomingData](e); !errors.Is(err, core.ErrMalformedEvent) || !strings.Contains(err.Error(), "realtime.call.incoming") {
		t.Errorf("DecodeData of a wrong nested shape: %v", err)
	}
	// The data of a type not known yet decodes into any type.
	e = &core.Event{ID: "evt_1", Type: "brand.new", Data: []byte(`{"id":"batch_1","extra":true}`)}
	m, err := core.DecodeData[map[string]any](e)
	if err != nil || m["id"] != "batch_1" || m["extra"] != true {
		t.Errorf("DecodeData[map] of an unknown type = %v, %v", m, err)
	}
	b, err := core.DecodeData[core.BatchData](e)
	if err != nil || b.ID != "batch_1" {
		t.Errorf("DecodeData[BatchData] of an unknown type = %v, %v", b, err)
	}
}

// A known type's data decodes into anything it fits except the data struct of another
// family: that is a mistake, reported with ErrDataTypeMismatch, never a silent zero value.
func TestDecodeDataTypeMismatch(t *testing.T) {
	e := &core.Event{ID: "evt_1", Type: core.ResponseCompleted, Data: []byte(`{"id":"resp_1"}`)}
	check := func(name string, err error, wantIn ...string) {
		t.Helper()
		if !errors.Is(err, core.ErrDataTypeMismatch) {
			t.Fatalf("%s: %v, want ErrDataTypeMismatch", name, err)
		}
		if errors.Is(err, core.ErrMalformedEvent) {
			t.Errorf("%s: a mismatch is the program's mistake, not a malformed delivery: %v", name, err)
		}
		if core.StatusCode(err) != 500 {
			t.Errorf("%s: StatusCode = %d, want 500 (OpenAI retries after the fix)", name, core.StatusCode(err))
		}
		for _, want := range wantIn {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %q does not name %q", name, err, want)
			}
		}
	}
	batch, err := core.DecodeData[core.BatchData](e)
	check("BatchData", err, "response.completed", "core.ResponseData", "core.BatchData")
	if batch != (core.BatchData{}) {
		t.Errorf("BatchData = %+v, want the zero value with the error", batch)
	}
	p, err := core.DecodeData[*core.BatchData](e)
	check("*BatchData", err, "*core.BatchData")
	if p != nil {
		t.Errorf("*BatchData = %v, want nil with the error", p)
	}

	// Every known type decodes into its own struct (the one NewData returns) and no other.
	structs := map[reflect.Type]bool{}
	for _, typ := range core.KnownEventTypes() {
		structs[reflect.TypeOf(core.NewData(typ)).Elem()] = true
	}
	for _, typ := range core.KnownEventTypes() {
		e := &core.Event{ID: "evt_1", Type: typ, Data: []byte(`{}`)}
		own := reflect.TypeOf(core.NewData(typ)).Elem()
		for st := range structs {
			decode, ok := decoders[st]
			if !ok {
				t.Fatalf("no decoder for %v in decoders", st)
			}
			_, err := decode(e)
			if st == own && err != nil {
				t.Errorf("%s into its own %v: %v", typ, st, err)
			}
			if st != own && !errors.Is(err, core.ErrDataTypeMismatch) {
				t.Errorf("%s into %v: %v, want ErrDataTypeMismatch", typ, st, err)
			}
		}
	}
}
