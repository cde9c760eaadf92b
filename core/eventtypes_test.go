package core_test

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
)

// typeLine is one line of ../testdata/event-types.txt.
type typeLine struct {
	typ      core.EventType
	fields   []string // data fields, "?" removed
	optional map[string]bool
}

func loadEventTypes(tb testing.TB) []typeLine {
	tb.Helper()
	f, err := os.Open("../testdata/event-types.txt")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var lines []typeLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) != 3 {
			tb.Fatalf("event-types.txt:%d: %d tab-separated columns, want 3", n, len(cols))
		}
		l := typeLine{typ: core.EventType(cols[0]), optional: map[string]bool{}}
		for _, field := range strings.Fields(cols[1]) {
			name, opt := strings.CutSuffix(field, "?")
			l.fields = append(l.fields, name)
			l.optional[name] = opt
		}
		lines = append(lines, l)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(lines) == 0 {
		tb.Fatal("event-types.txt lists no types")
	}
	return lines
}

func TestEventTypesMatchTestdata(t *testing.T) {
	lines := loadEventTypes(t)
	var want []core.EventType
	for _, l := range lines {
		want = append(want, l.typ)
	}
	got := core.KnownEventTypes()
	if !slices.Equal(got, want) {
		t.Fatalf("KnownEventTypes() =\n%v\nevent-types.txt lists\n%v", got, want)
	}
	for _, typ := range want {
		if !typ.Known() {
			t.Errorf("%q.Known() = false", typ)
		}
		if core.NewData(typ) == nil {
			t.Errorf("NewData(%q) = nil", typ)
		}
	}
	for _, typ := range []core.EventType{"x.y", "", "batch", "batch.completed ", "Batch.Completed", "batch.completed.v2"} {
		if typ.Known() {
			t.Errorf("%q.Known() = true", typ)
		}
		if core.NewData(typ) != nil {
			t.Errorf("NewData(%q) is not nil", typ)
		}
	}
	// KnownEventTypes returns a fresh slice each time.
	got[0] = "changed"
	if core.KnownEventTypes()[0] == "changed" {
		t.Error("KnownEventTypes shares its slice with the caller")
	}
	// The constants are the strings of the file (spot checks of the exported names).
	for c, s := range map[core.EventType]string{
		core.BatchCompleted:             "batch.completed",
		core.EvalRunCanceled:            "eval.run.canceled",
		core.FineTuningJobSucceeded:     "fine_tuning.job.succeeded",
		core.RealtimeCallIncoming:       "realtime.call.incoming",
		core.ResponseIncomplete:         "response.incomplete",
		core.AgentSessionActionRequired: "agent.session.action_required",
		core.LiveTransportIncoming:      "live.transport.incoming",
		core.SafetyOrgAlertCreated:      "safety.org_alert.created",
	} {
		if string(c) != s {
			t.Errorf("constant %q, want %q", c, s)
		}
	}
}

// decoders calls DecodeData with the static type of each data family.
var decoders = map[reflect.Type]func(*core.Event) (any, error){
	reflect.TypeFor[core.BatchData]():                  func(e *core.Event) (any, error) { return core.DecodeData[core.BatchData](e) },
	reflect.TypeFor[core.FineTuningJobData]():          func(e *core.Event) (any, error) { return core.DecodeData[core.FineTuningJobData](e) },
	reflect.TypeFor[core.EvalRunData]():                func(e *core.Event) (any, error) { return core.DecodeData[core.EvalRunData](e) },
	reflect.TypeFor[core.ResponseData]():               func(e *core.Event) (any, error) { return core.DecodeData[core.ResponseData](e) },
	reflect.TypeFor[core.SafetyData]():                 func(e *core.Event) (any, error) { return core.DecodeData[core.SafetyData](e) },
	reflect.TypeFor[core.AgentEnvironmentData]():       func(e *core.Event) (any, error) { return core.DecodeData[core.AgentEnvironmentData](e) },
	reflect.TypeFor[core.AgentSessionData]():           func(e *core.Event) (any, error) { return core.DecodeData[core.AgentSessionData](e) },
	reflect.TypeFor[core.RealtimeCallIncomingData]():   func(e *core.Event) (any, error) { return core.DecodeData[core.RealtimeCallIncomingData](e) },
	reflect.TypeFor[core.LiveTransportIncomingData]():  func(e *core.Event) (any, error) { return core.DecodeData[core.LiveTransportIncomingData](e) },
	reflect.TypeFor[core.LiveCallIncomingData]():       func(e *core.Event) (any, error) { return core.DecodeData[core.LiveCallIncomingData](e) },
	reflect.TypeFor[core.LiveTransportConnectedData](): func(e *core.Event) (any, error) { return core.DecodeData[core.LiveTransportConnectedData](e) },
}

// sampleValue is the JSON of a plausible value of a data field of typ, following the
// shapes in the comments of event-types.txt.
func sampleValue(typ core.EventType, field string) any {
	switch field {
	case "sip_headers":
		return []map[string]string{{"name": "From", "value": "sip:+14155550123@example.com"}, {"name": "To", "value": "sip:+18005550100@sip.api.openai.com"}}
	case "required_action":
		return map[string]string{"type": "function_call"}
	case "connect":
		return map[string]string{"remote_url": "wss://agents.example.com/session/1"}
	case "sip_media_security":
		return map[string]any{"srtp": true, "profiles": []string{"AES_CM_128_HMAC_SHA1_80"}}
	case "type":
		return "sip"
	case "environment_type":
		return "hosted"
	default:
		return field + "_of_" + strings.ReplaceAll(string(typ), ".", "_")
	}
}

// TestDecodeDataEveryType builds the data of every known type from the fields listed in
// event-types.txt, decodes it with DecodeData into the struct NewData names, and checks
// that every field arrives, and that the struct has no JSON field the file does not list.
func TestDecodeDataEveryType(t *testing.T) {
	lines := loadEventTypes(t)
	familyFields := map[reflect.Type]map[string]bool{}
	for _, l := range lines {
		t.Run(string(l.typ), func(t *testing.T) {
			ptr := core.NewData(l.typ)
			st := reflect.TypeOf(ptr)
			if st == nil || st.Kind() != reflect.Pointer || st.Elem().Kind() != reflect.Struct {
				t.Fatalf("NewData(%q) = %T, want a pointer to a struct", l.typ, ptr)
			}
			st = st.Elem()
			decode, ok := decoders[st]
			if !ok {
				t.Fatalf("no decoder for %v in this test; add the family to decoders", st)
			}
			if familyFields[st] == nil {
				familyFields[st] = map[string]bool{}
			}
			data := map[string]any{}
			for _, f := range l.fields {
				data[f] = sampleValue(l.typ, f)
				familyFields[st][f] = true
			}
			rawData, err := json.Marshal(data)
			if err != nil {
				t.Fatal(err)
			}
			body, err := json.Marshal(map[string]any{"id": "evt_1", "object": "event", "created_at": 1750861210, "type": l.typ, "data": json.RawMessage(rawData)})
			if err != nil {
				t.Fatal(err)
			}
			e, err := core.ParseEvent(body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decode(e)
			if err != nil {
				t.Fatalf("DecodeData[%v]: %v", st, err)
			}
			gv := reflect.ValueOf(got)
			if gv.Type() != st {
				t.Fatalf("decoded a %v, want %v", gv.Type(), st)
			}
			// The same bytes decode through the NewData pointer too, to the same value.
			if err := json.Unmarshal(e.Data, ptr); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(reflect.ValueOf(ptr).Elem().Interface(), got) {
				t.Errorf("DecodeData and NewData disagree: %+v vs %+v", got, ptr)
			}
			for _, f := range l.fields {
				idx, ok := jsonField(st, f)
				if !ok {
					t.Errorf("%v has no field for %q", st, f)
					continue
				}
				fv := gv.Field(idx)
				if fv.IsZero() {
					t.Errorf("%v.%s is empty after decoding %s", st, st.Field(idx).Name, rawData)
					continue
				}
				gotJSON, _ := json.Marshal(fv.Interface())
				wantJSON, _ := json.Marshal(data[f])
				if !jsonEqual(t, gotJSON, wantJSON) {
					t.Errorf("%v.%s = %s, want %s", st, st.Field(idx).Name, gotJSON, wantJSON)
				}
			}
			// Without its optional fields the data still decodes.
			required := map[string]any{}
			for _, f := range l.fields {
				if !l.optional[f] {
					required[f] = data[f]
				}
			}
			rawRequired, _ := json.Marshal(required)
			if _, err := decode(&core.Event{ID: "evt_1", Type: l.typ, Data: rawRequired}); err != nil {
				t.Errorf("required fields only: %v", err)
			}
		})
	}
	// Every JSON field of every data struct is listed for some type of its family.
	for st, fields := range familyFields {
		for i := range st.NumField() {
			name := jsonName(st.Field(i))
			if name != "" && !fields[name] {
				t.Errorf("%v.%s (json %q) is listed for no type in event-types.txt", st, st.Field(i).Name, name)
			}
		}
	}
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

func jsonField(st reflect.Type, name string) (int, bool) {
	for i := range st.NumField() {
		if jsonName(st.Field(i)) == name {
			return i, true
		}
	}
	return 0, false
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}
