package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/jsonstyle"
)

// eventInfo describes one event type for `events` and the samples of `send` and `demo`.
// The table follows testdata/event-types.txt; TestEventTableMatchesTestdata checks it.
type eventInfo struct {
	Type   core.EventType
	Fields string // data fields, space-separated, "?" marks an optional one
	About  string // when it is sent
}

var eventTable = []eventInfo{
	{core.AgentEnvironmentExpired, "id", "an agent environment expired; it cannot resume from its snapshot"},
	{core.AgentEnvironmentFailed, "id", "setup of a prewarmed hosted environment failed"},
	{core.AgentEnvironmentReady, "id", "a prewarmed hosted environment finished setup"},
	{core.AgentEnvironmentSuspended, "id", "an agent environment was suspended; it can resume from its snapshot"},
	{core.AgentSessionActionRequired, "id required_action", "an agent session waits for an action"},
	{core.AgentSessionCreated, "id environment_type connect? environment_id?", "an agent session was created"},
	{core.AgentSessionFailed, "id environment_type environment_id?", "an agent session failed"},
	{core.AgentSessionIdle, "id environment_type environment_id?", "an agent session became idle"},
	{core.AgentSessionInProgress, "id environment_type environment_id?", "an agent session started working"},
	{core.BatchCancelled, "id", "a Batch API job was cancelled"},
	{core.BatchCompleted, "id", "a Batch API job completed"},
	{core.BatchExpired, "id", "a Batch API job expired"},
	{core.BatchFailed, "id", "a Batch API job failed"},
	{core.EvalRunCanceled, "id", `an eval run was canceled (one "l")`},
	{core.EvalRunFailed, "id", "an eval run failed"},
	{core.EvalRunSucceeded, "id", "an eval run succeeded"},
	{core.FineTuningJobCancelled, "id", "a fine-tuning job was cancelled"},
	{core.FineTuningJobFailed, "id", "a fine-tuning job failed"},
	{core.FineTuningJobSucceeded, "id", "a fine-tuning job succeeded"},
	{core.LiveCallIncoming, "session_id sip_headers sip_media_security?", "deprecated form of live.transport.incoming"},
	{core.LiveTransportIncoming, "session_id sip_headers type? sip_media_security?", "an incoming SIP session can be accepted by the Live API"},
	{core.LiveTransportConnected, "session_id type", "a Live session's transport connected (data.type is \"webrtc\"); attach with the sideband endpoint"},
	{core.RealtimeCallIncoming, "call_id sip_headers sip_media_security?", "an incoming SIP call can be accepted by the Realtime API"},
	{core.ResponseCancelled, "id", "a background response was cancelled"},
	{core.ResponseCompleted, "id", "a background response completed"},
	{core.ResponseFailed, "id", "a background response failed"},
	{core.ResponseIncomplete, "id", "a background response was interrupted"},
	{core.SafetyAlertCreated, "id", "a safety alert is available for a project"},
	{core.SafetyDeactivationIssued, "id", "a deactivation was issued for a safety identifier"},
	{core.SafetyOrgAlertCreated, "id", "a safety alert is available for an enterprise workspace"},
	{core.SafetyWarningIssued, "id", "a warning was issued for a safety identifier"},
}

// eventInfoOf returns the table entry of t. A type core knows but the table lacks (core
// grew before this tool) gets its fields from core's data struct.
func eventInfoOf(t core.EventType) (eventInfo, bool) {
	for _, info := range eventTable {
		if info.Type == t {
			return info, true
		}
	}
	if !t.Known() {
		return eventInfo{}, false
	}
	return eventInfo{Type: t, Fields: fieldsOfStruct(core.NewData(t)), About: "(see the OpenAI documentation)"}, true
}

// allEventInfo lists core.KnownEventTypes in order, with their table entries.
func allEventInfo() []eventInfo {
	var out []eventInfo
	for _, t := range core.KnownEventTypes() {
		info, _ := eventInfoOf(t)
		out = append(out, info)
	}
	return out
}

// fieldsOfStruct lists the JSON fields of a data struct, "?" after omitempty ones.
func fieldsOfStruct(v any) string {
	rt := reflect.TypeOf(v)
	for rt != nil && rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	if rt == nil || rt.Kind() != reflect.Struct {
		return "?"
	}
	var names []string
	for i := range rt.NumField() {
		tag := rt.Field(i).Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			continue
		}
		if strings.Contains(opts, "omitempty") {
			name += "?"
		}
		names = append(names, name)
	}
	return strings.Join(names, " ")
}

// obj is a JSON object that keeps its keys in order.
type obj []kv

type kv struct {
	k string
	v any
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := marshalPlain(f.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := marshalPlain(f.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalPlain is json.Marshal without HTML escaping: a SIP header keeps its <sip:…>.
func marshalPlain(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// newID returns prefix followed by 32 hex digits whose first 8 are the Unix time, the
// shape of OpenAI's ids (evt_685c059ae3a481909bdc86819b066fb6).
func newID(prefix string, now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s%08x%s", prefix, uint32(now.Unix()), hex.EncodeToString(b[:]))
}

// sampleData returns realistic data for an event of type t.
func sampleData(t core.EventType, now time.Time) obj {
	id := func(prefix string) string { return newID(prefix, now) }
	switch t {
	case core.AgentEnvironmentExpired, core.AgentEnvironmentFailed, core.AgentEnvironmentReady, core.AgentEnvironmentSuspended:
		return obj{{"id", id("env_")}}
	case core.AgentSessionActionRequired:
		return obj{{"id", id("sess_")}, {"required_action", obj{{"type", "function_call"}}}}
	case core.AgentSessionCreated:
		sess := id("sess_")
		return obj{
			{"id", sess},
			{"environment_type", "hosted"},
			{"connect", obj{{"remote_url", "wss://agents.example.com/sessions/" + sess + "/connect"}}},
			{"environment_id", id("env_")},
		}
	case core.AgentSessionFailed, core.AgentSessionIdle, core.AgentSessionInProgress:
		return obj{{"id", id("sess_")}, {"environment_type", "hosted"}, {"environment_id", id("env_")}}
	case core.BatchCancelled, core.BatchCompleted, core.BatchExpired, core.BatchFailed:
		return obj{{"id", id("batch_")}}
	case core.EvalRunCanceled, core.EvalRunFailed, core.EvalRunSucceeded:
		return obj{{"id", id("evalrun_")}}
	case core.FineTuningJobCancelled, core.FineTuningJobFailed, core.FineTuningJobSucceeded:
		return obj{{"id", id("ftjob_")}}
	case core.LiveCallIncoming:
		return obj{{"session_id", id("sess_")}, {"sip_headers", sampleSIPHeaders(now)}}
	case core.LiveTransportConnected:
		return obj{{"session_id", id("sess_")}, {"type", "webrtc"}}
	case core.LiveTransportIncoming:
		return obj{{"session_id", id("sess_")}, {"sip_headers", sampleSIPHeaders(now)}, {"type", "sip"}}
	case core.RealtimeCallIncoming:
		return obj{{"call_id", id("call_")}, {"sip_headers", sampleSIPHeaders(now)}}
	case core.ResponseCancelled, core.ResponseCompleted, core.ResponseFailed, core.ResponseIncomplete:
		return obj{{"id", id("resp_")}}
	case core.SafetyAlertCreated:
		return obj{{"id", id("safety_alert_")}}
	case core.SafetyOrgAlertCreated:
		return obj{{"id", id("safety_org_alert_")}}
	case core.SafetyDeactivationIssued:
		return obj{{"id", id("safety_deactivation_")}}
	case core.SafetyWarningIssued:
		return obj{{"id", id("safety_warning_")}}
	default:
		// A type this tool does not know: data is thin, mostly an id.
		return obj{{"id", id("obj_")}}
	}
}

// sampleSIPHeaders are the headers of an incoming SIP INVITE, with fictional 555 numbers.
func sampleSIPHeaders(now time.Time) []obj {
	var tag [4]byte
	_, _ = rand.Read(tag[:])
	var callID [16]byte
	_, _ = rand.Read(callID[:])
	c := hex.EncodeToString(callID[:])
	return []obj{
		{{"name", "From"}, {"value", `"Ada Lovelace" <sip:+14155550123@sip.example.com>;tag=` + hex.EncodeToString(tag[:])}},
		{{"name", "To"}, {"value", "<sip:+18005550199@sip.example.com>"}},
		{{"name", "Call-ID"}, {"value", c[:8] + "-" + c[8:12] + "-" + c[12:16] + "-" + c[16:20] + "-" + c[20:]}},
		{{"name", "CSeq"}, {"value", "1 INVITE"}},
		{{"name", "Content-Type"}, {"value", "application/sdp"}},
	}
}

// sampleEvent returns the body of a delivery of type t, shaped as OpenAI sends it: keys
// id, object, created_at, type, data, with ", " and ": " separators.
func sampleEvent(t core.EventType, now time.Time) []byte {
	return eventBody(newID("evt_", now), t, now, sampleData(t, now))
}

func eventBody(eventID string, t core.EventType, now time.Time, data any) []byte {
	compact, err := marshalPlain(obj{
		{"id", eventID},
		{"object", "event"},
		{"created_at", json.Number(strconv.FormatInt(now.Unix(), 10))},
		{"type", string(t)},
		{"data", data},
	})
	if err != nil {
		panic(err) // the values above always marshal
	}
	body, err := jsonstyle.OpenAI().Format(compact)
	if err != nil {
		panic(err)
	}
	return body
}
