package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// TestEventTableMatchesTestdata keeps the table of `events` and the samples in step with
// testdata/event-types.txt and core.KnownEventTypes.
func TestEventTableMatchesTestdata(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "testdata", "event-types.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []eventInfo
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			t.Fatalf("testdata line %q has %d tab-separated parts", line, len(parts))
		}
		want = append(want, eventInfo{Type: core.EventType(parts[0]), Fields: parts[1], About: parts[2]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(eventTable, want) {
		t.Errorf("eventTable differs from testdata/event-types.txt:\n got %v\nwant %v", eventTable, want)
	}
	known := core.KnownEventTypes()
	if len(known) != len(eventTable) {
		t.Fatalf("core knows %d types, the table %d", len(known), len(eventTable))
	}
	for i, typ := range known {
		if eventTable[i].Type != typ {
			t.Errorf("table entry %d is %s, core.KnownEventTypes has %s", i, eventTable[i].Type, typ)
		}
	}
}

// TestSamplesFitTheirTypes: every sample is a valid event whose data decodes into
// core's struct for its type with no unknown field, holds every required field of the
// testdata list and no field outside it, and has a plausible id.
func TestSamplesFitTheirTypes(t *testing.T) {
	now := time.Unix(1750861210, 0)
	prefixes := map[string]string{
		"agent.environment.": `"id":"env_`, "agent.session.": `"id":"sess_`, "batch.": `"id":"batch_`,
		"eval.run.": `"id":"evalrun_`, "fine_tuning.job.": `"id":"ftjob_`, "response.": `"id":"resp_`,
		"safety.": `"id":"safety_`, "realtime.call.": `"call_id":"call_`, "live.": `"session_id":"sess_`,
	}
	for _, info := range eventTable {
		t.Run(string(info.Type), func(t *testing.T) {
			body := sampleEvent(info.Type, now)
			if !bytes.HasPrefix(body, []byte(`{"id": "evt_685c059a`)) {
				t.Errorf("body does not start like OpenAI's: %s", body)
			}
			e, err := core.ParseEvent(body)
			if err != nil {
				t.Fatal(err)
			}
			if e.Type != info.Type || e.Object != "event" || e.CreatedAt != now.Unix() {
				t.Errorf("event %+v", e)
			}
			dec := json.NewDecoder(bytes.NewReader(e.Data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(core.NewData(info.Type)); err != nil {
				t.Errorf("data %s does not decode into %T: %v", e.Data, core.NewData(info.Type), err)
			}
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(e.Data, &fields); err != nil {
				t.Fatal(err)
			}
			allowed := map[string]bool{}
			for _, f := range strings.Fields(info.Fields) {
				name, optional := strings.CutSuffix(f, "?")
				allowed[name] = true
				if _, ok := fields[name]; !ok && !optional {
					t.Errorf("data %s lacks the required field %s", e.Data, name)
				}
			}
			for name := range fields {
				if !allowed[name] {
					t.Errorf("data %s has %s, not a field of %s", e.Data, name, info.Type)
				}
			}
			var compact bytes.Buffer
			_ = json.Compact(&compact, e.Data)
			found := false
			for typePrefix, idPrefix := range prefixes {
				if strings.HasPrefix(string(info.Type), typePrefix) {
					found = true
					if !strings.Contains(compact.String(), idPrefix) {
						t.Errorf("data %s has no %s… id", compact.String(), idPrefix)
					}
				}
			}
			if !found {
				t.Errorf("no id prefix checked for %s", info.Type)
			}
			if strings.Contains(string(info.Fields), "sip_headers") && !strings.Contains(compact.String(), `"sip_headers":[{"name":"From","value":`) {
				t.Errorf("data %s has no SIP headers", compact.String())
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain-word_1.2/x:y@z=w+v,u": "plain-word_1.2/x:y@z=w+v,u",
		"":                           "''",
		"a b":                        "'a b'",
		"it's":                       `'it'\''s'`,
		"$HOME":                      "'$HOME'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
