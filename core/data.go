package core

import "encoding/json"

// Data structs, one per family of event types. OpenAI keeps event data thin, mostly the id
// of the object to fetch with the API.

// BatchData is the data of batch.cancelled, batch.completed, batch.expired, batch.failed.
type BatchData struct {
	ID string `json:"id"` // the batch id, batch_…
}

// FineTuningJobData is the data of fine_tuning.job.cancelled, .failed and .succeeded.
type FineTuningJobData struct {
	ID string `json:"id"` // the fine-tuning job id, ftjob_…
}

// EvalRunData is the data of eval.run.canceled, eval.run.failed and eval.run.succeeded.
type EvalRunData struct {
	ID string `json:"id"` // the eval run id
}

// ResponseData is the data of response.cancelled, .completed, .failed and .incomplete.
type ResponseData struct {
	ID string `json:"id"` // the response id, resp_…
}

// SafetyData is the data of safety.alert.created, safety.deactivation_issued,
// safety.org_alert.created and safety.warning_issued.
type SafetyData struct {
	ID string `json:"id"`
}

// AgentEnvironmentData is the data of agent.environment.expired, .failed, .ready and
// .suspended.
type AgentEnvironmentData struct {
	ID string `json:"id"` // the environment id
}

// AgentSessionData is the data of agent.session.action_required, .created, .failed, .idle
// and .in_progress. Which optional fields are set depends on the type.
type AgentSessionData struct {
	ID              string          `json:"id"`
	EnvironmentType string          `json:"environment_type,omitempty"`
	EnvironmentID   string          `json:"environment_id,omitempty"`
	Connect         *AgentConnect   `json:"connect,omitempty"`         // agent.session.created
	RequiredAction  *RequiredAction `json:"required_action,omitempty"` // agent.session.action_required
}

// AgentConnect tells where to connect to a new agent session.
type AgentConnect struct {
	RemoteURL string `json:"remote_url"`
}

// RequiredAction is what an agent session waits for: Type is
// "computer_use_approval_request", "function_call" or "environment_connection".
type RequiredAction struct {
	Type string `json:"type"`
}

// SIPHeader is one header of an incoming SIP INVITE.
type SIPHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// RealtimeCallIncomingData is the data of realtime.call.incoming: accept or reject the
// call with the Realtime API using CallID.
type RealtimeCallIncomingData struct {
	CallID           string          `json:"call_id"`
	SIPHeaders       []SIPHeader     `json:"sip_headers"`
	SIPMediaSecurity json.RawMessage `json:"sip_media_security,omitempty"`
}

// LiveTransportIncomingData is the data of live.transport.incoming; Type is "sip".
type LiveTransportIncomingData struct {
	SessionID        string          `json:"session_id"`
	SIPHeaders       []SIPHeader     `json:"sip_headers"`
	Type             string          `json:"type,omitempty"`
	SIPMediaSecurity json.RawMessage `json:"sip_media_security,omitempty"`
}

// LiveTransportConnectedData is the data of live.transport.connected: the session whose
// transport (Type "webrtc") connected, to attach to with the sideband endpoint.
type LiveTransportConnectedData struct {
	SessionID string `json:"session_id"`
	Type      string `json:"type"`
}

// LiveCallIncomingData is the data of live.call.incoming, the deprecated form of
// live.transport.incoming.
type LiveCallIncomingData struct {
	SessionID        string          `json:"session_id"`
	SIPHeaders       []SIPHeader     `json:"sip_headers"`
	SIPMediaSecurity json.RawMessage `json:"sip_media_security,omitempty"`
}

// NewData returns a pointer to a new, empty data struct of the event type t (for example
// *BatchData for batch.completed), or nil when t is not known. It lets generic code, such
// as logging or the command-line tool, decode data without a type switch.
func NewData(t EventType) any {
	return dataTypeOf(t)
}

// isDataStruct reports whether p, a nil *T, points to one of the data structs above or
// to a pointer to one: the types DecodeData refuses for the events of another family.
// Every struct NewData returns must be listed here (TestDecodeDataTypeMismatch fails
// otherwise).
func isDataStruct(p any) bool {
	switch p.(type) {
	case *BatchData, **BatchData,
		*FineTuningJobData, **FineTuningJobData,
		*EvalRunData, **EvalRunData,
		*ResponseData, **ResponseData,
		*SafetyData, **SafetyData,
		*AgentEnvironmentData, **AgentEnvironmentData,
		*AgentSessionData, **AgentSessionData,
		*RealtimeCallIncomingData, **RealtimeCallIncomingData,
		*LiveTransportIncomingData, **LiveTransportIncomingData,
		*LiveCallIncomingData, **LiveCallIncomingData,
		*LiveTransportConnectedData, **LiveTransportConnectedData:
		return true
	}
	return false
}
