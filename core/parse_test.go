package core

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// referenceParse is ParseEvent's contract written with encoding/json: the whole body is
// valid JSON, an object, with exact keys (last one wins), string id and type, an integer
// created_at, and data kept as raw JSON.
func referenceParse(body []byte) (*Event, bool) {
	if !json.Valid(body) {
		return nil, false
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, false
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return nil, false
	}
	e := &Event{Raw: body}
	var typ string
	for key, dst := range map[string]any{"id": &e.ID, "object": &e.Object, "type": &typ, "created_at": &e.CreatedAt} {
		if raw, ok := members[key]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return nil, false
			}
		}
	}
	e.Type = EventType(typ)
	if raw, ok := members["data"]; ok {
		e.Data = raw
	}
	return e, e.ID != "" && e.Type != ""
}

var parseSeeds = []string{
	`{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`,
	`{"id": "evt_685c059ae3a481909bdc86819b066fb6", "object": "event", "created_at": 1750861210, "type": "response.completed", "data": {"id": "resp_123"}}`,
	`{"type":"x","id":"y"}`,
	`{"id":"a","type":"b","id":"c"}`,
	`{"id":"\u0065vt","type":"t\"q","object":"ev\\ent"}`,
	`{"\u0069d":"escaped key","type":"t"}`,
	`{"ID":"upper","type":"t"}`,
	`{"id":"é€","type":"t","data":[1,-2.5e+3,true,false,null,"s",{"a":{}}]}`,
	`{"id":"a","type":"b","created_at":1.5}`,
	`{"id":"a","type":"b","created_at":null,"object":null,"data":null}`,
	`{"id":"a","type":"b","created_at":-0}`,
	`{"id":"a","type":"b","created_at":99999999999999999999}`,
	`{"id":"a","type":"b","data":{"x":[}}`,
	`{"id":"a","type":"b",}`,
	`{"id":"a","type":"b"} x`,
	`{"id":5,"type":"b"}`,
	`{"id":"a","type":"b","data":01}`,
	`{"id":"a","type":"b","data":"\x"}`,
	"{\"id\":\"a\nb\",\"type\":\"b\"}",
	"\xef\xbb\xbf{\"id\":\"a\",\"type\":\"b\"}",
	"{\"id\":\"\xff\",\"type\":\"b\"}",
	` 	{ "id" : "a" , "type" : "b" } `,
	`[]`, `"str"`, `{}`, ``, `{`, `{"id":"a","type":"b","data":tru}`,
	`{"id":"a","type":"b","data":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
}

// FuzzParseEventMatchesReference checks the hand-written scanner against encoding/json.
func FuzzParseEventMatchesReference(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := ParseEvent(body)
		want, ok := referenceParse(body)
		if (err == nil) != ok {
			t.Fatalf("ParseEvent(%q): error %v, reference accepts: %v", body, err, ok)
		}
		if !ok {
			return
		}
		if got.ID != want.ID || got.Object != want.Object || got.Type != want.Type || got.CreatedAt != want.CreatedAt || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("ParseEvent(%q) = %+v, reference %+v", body, got, want)
		}
	})
}

func TestParseEventMatchesReferenceOnSeeds(t *testing.T) {
	for _, s := range parseSeeds {
		got, err := ParseEvent([]byte(s))
		want, ok := referenceParse([]byte(s))
		if (err == nil) != ok {
			t.Errorf("ParseEvent(%.60q): error %v, reference accepts: %v", s, err, ok)
			continue
		}
		if ok && (got.ID != want.ID || got.Type != want.Type || got.Object != want.Object || got.CreatedAt != want.CreatedAt || !bytes.Equal(got.Data, want.Data)) {
			t.Errorf("ParseEvent(%.60q) = %+v, reference %+v", s, got, want)
		}
	}
}
