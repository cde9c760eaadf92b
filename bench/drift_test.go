package bench

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3/webhooks"

	"github.com/webhookkit/openai-webhooks/core"
)

// TestEventTypesMatchOpenAIGo fails when openai-go parses an event type that core does not
// know, or when a field of openai-go's event data is missing from core's data struct of
// that type (compared by JSON name, nested objects included). Bump openai-go in this
// module's go.mod to check a new release: the test then says what core lacks.
func TestEventTypesMatchOpenAIGo(t *testing.T) {
	events := openAIGoEvents(t)
	if len(events) < 30 {
		t.Fatalf("found %d event types in openai-go's UnwrapWebhookEventUnion; the reflection below no longer understands its shape", len(events))
	}
	for typ, data := range events {
		t.Run(typ, func(t *testing.T) {
			et := core.EventType(typ)
			if !et.Known() {
				t.Fatalf("openai-go parses %q, which core does not know: add it to testdata/event-types.txt, core/eventtypes.go and a data struct in core/data.go", typ)
			}
			ours := reflect.TypeOf(core.NewData(et)).Elem()
			if missing := missingFields(data, ours, "data"); len(missing) > 0 {
				t.Errorf("core.%s lacks openai-go's %s: add them to core/data.go", ours.Name(), strings.Join(missing, ", "))
			}
		})
	}
}

// TestDriftCheckCatchesAGap makes sure the comparison above can fail: a struct without
// openai-go's session_id is reported.
func TestDriftCheckCatchesAGap(t *testing.T) {
	type partial struct {
		Type string `json:"type"`
	}
	missing := missingFields(reflect.TypeFor[webhooks.LiveTransportConnectedWebhookEventData](), reflect.TypeFor[partial](), "data")
	if len(missing) != 1 || missing[0] != "data.session_id" {
		t.Fatalf("missingFields = %v, want [data.session_id]", missing)
	}
}

// openAIGoEvents maps each event type openai-go's union can hold (one AsXxx method each)
// to the type of its data, read from the Type field's default tag and the Data field.
func openAIGoEvents(t *testing.T) map[string]reflect.Type {
	t.Helper()
	union := reflect.TypeFor[webhooks.UnwrapWebhookEventUnion]()
	events := make(map[string]reflect.Type)
	for m := range union.Methods() {
		if !strings.HasPrefix(m.Name, "As") || m.Type.NumOut() != 1 || m.Type.Out(0).Kind() != reflect.Struct {
			continue
		}
		ev := m.Type.Out(0)
		typField, ok1 := ev.FieldByName("Type")
		dataField, ok2 := ev.FieldByName("Data")
		typ := typField.Tag.Get("default")
		if !ok1 || !ok2 || typ == "" {
			t.Fatalf("openai-go's %s returns %s, which has no Type field with a default tag or no Data field", m.Name, ev)
		}
		events[typ] = dataField.Type
	}
	return events
}

// missingFields lists the JSON names of theirs that ours lacks, as path.name, looking into
// nested structs, pointers and slices of structs on both sides.
func missingFields(theirs, ours reflect.Type, path string) []string {
	theirs, ours = structOf(theirs), structOf(ours)
	if theirs == nil || ours == nil {
		return nil
	}
	have := jsonFields(ours)
	var missing []string
	for name, ft := range jsonFields(theirs) {
		ot, ok := have[name]
		if !ok {
			missing = append(missing, path+"."+name)
			continue
		}
		missing = append(missing, missingFields(ft, ot, path+"."+name)...)
	}
	sort.Strings(missing)
	return missing
}

func structOf(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return t
}

func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type)
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		fields[name] = f.Type
	}
	return fields
}
