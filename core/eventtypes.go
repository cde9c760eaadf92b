// The constants below follow testdata/event-types.txt line by line;
// TestEventTypesMatchTestdata fails when the two disagree.

package core

// The event types OpenAI sends today. New types appear over time; an Event of an unknown
// type parses and passes through untouched.
const (
	// AgentEnvironmentExpired is sent when an agent environment expired; it cannot resume from its snapshot.
	AgentEnvironmentExpired EventType = "agent.environment.expired"
	// AgentEnvironmentFailed is sent when setup of a prewarmed hosted environment failed.
	AgentEnvironmentFailed EventType = "agent.environment.failed"
	// AgentEnvironmentReady is sent when a prewarmed hosted environment finished setup.
	AgentEnvironmentReady EventType = "agent.environment.ready"
	// AgentEnvironmentSuspended is sent when an agent environment was suspended; it can resume from its snapshot.
	AgentEnvironmentSuspended EventType = "agent.environment.suspended"
	// AgentSessionActionRequired is sent when an agent session waits for an action.
	AgentSessionActionRequired EventType = "agent.session.action_required"
	// AgentSessionCreated is sent when an agent session was created.
	AgentSessionCreated EventType = "agent.session.created"
	// AgentSessionFailed is sent when an agent session failed.
	AgentSessionFailed EventType = "agent.session.failed"
	// AgentSessionIdle is sent when an agent session became idle.
	AgentSessionIdle EventType = "agent.session.idle"
	// AgentSessionInProgress is sent when an agent session started working.
	AgentSessionInProgress EventType = "agent.session.in_progress"
	// BatchCancelled is sent when a Batch API job was cancelled.
	BatchCancelled EventType = "batch.cancelled"
	// BatchCompleted is sent when a Batch API job completed.
	BatchCompleted EventType = "batch.completed"
	// BatchExpired is sent when a Batch API job expired.
	BatchExpired EventType = "batch.expired"
	// BatchFailed is sent when a Batch API job failed.
	BatchFailed EventType = "batch.failed"
	// EvalRunCanceled is sent when an eval run was canceled (one "l").
	EvalRunCanceled EventType = "eval.run.canceled"
	// EvalRunFailed is sent when an eval run failed.
	EvalRunFailed EventType = "eval.run.failed"
	// EvalRunSucceeded is sent when an eval run succeeded.
	EvalRunSucceeded EventType = "eval.run.succeeded"
	// FineTuningJobCancelled is sent when a fine-tuning job was cancelled.
	FineTuningJobCancelled EventType = "fine_tuning.job.cancelled"
	// FineTuningJobFailed is sent when a fine-tuning job failed.
	FineTuningJobFailed EventType = "fine_tuning.job.failed"
	// FineTuningJobSucceeded is sent when a fine-tuning job succeeded.
	FineTuningJobSucceeded EventType = "fine_tuning.job.succeeded"
	// LiveCallIncoming is the deprecated form of live.transport.incoming, still sent to some endpoints.
	LiveCallIncoming EventType = "live.call.incoming"
	// LiveTransportIncoming is sent when an incoming SIP session can be accepted by the Live API.
	LiveTransportIncoming EventType = "live.transport.incoming"
	// LiveTransportConnected is sent when a Live session's transport connected (data.type is "webrtc"); attach with the sideband endpoint.
	LiveTransportConnected EventType = "live.transport.connected"
	// RealtimeCallIncoming is sent when an incoming SIP call can be accepted by the Realtime API.
	RealtimeCallIncoming EventType = "realtime.call.incoming"
	// ResponseCancelled is sent when a background response was cancelled.
	ResponseCancelled EventType = "response.cancelled"
	// ResponseCompleted is sent when a background response completed.
	ResponseCompleted EventType = "response.completed"
	// ResponseFailed is sent when a background response failed.
	ResponseFailed EventType = "response.failed"
	// ResponseIncomplete is sent when a background response was interrupted.
	ResponseIncomplete EventType = "response.incomplete"
	// SafetyAlertCreated is sent when a safety alert is available for a project.
	SafetyAlertCreated EventType = "safety.alert.created"
	// SafetyDeactivationIssued is sent when a deactivation was issued for a safety identifier.
	SafetyDeactivationIssued EventType = "safety.deactivation_issued"
	// SafetyOrgAlertCreated is sent when a safety alert is available for an enterprise workspace.
	SafetyOrgAlertCreated EventType = "safety.org_alert.created"
	// SafetyWarningIssued is sent when a warning was issued for a safety identifier.
	SafetyWarningIssued EventType = "safety.warning_issued"
)

// knownEventTypes lists every constant above, in the order of testdata/event-types.txt.
// An array, so that looking a type up allocates nothing.
func knownEventTypes() [31]EventType {
	return [31]EventType{
		AgentEnvironmentExpired,
		AgentEnvironmentFailed,
		AgentEnvironmentReady,
		AgentEnvironmentSuspended,
		AgentSessionActionRequired,
		AgentSessionCreated,
		AgentSessionFailed,
		AgentSessionIdle,
		AgentSessionInProgress,
		BatchCancelled,
		BatchCompleted,
		BatchExpired,
		BatchFailed,
		EvalRunCanceled,
		EvalRunFailed,
		EvalRunSucceeded,
		FineTuningJobCancelled,
		FineTuningJobFailed,
		FineTuningJobSucceeded,
		LiveCallIncoming,
		LiveTransportIncoming,
		LiveTransportConnected,
		RealtimeCallIncoming,
		ResponseCancelled,
		ResponseCompleted,
		ResponseFailed,
		ResponseIncomplete,
		SafetyAlertCreated,
		SafetyDeactivationIssued,
		SafetyOrgAlertCreated,
		SafetyWarningIssued,
	}
}

// dataTypeOf maps each known event type to a new value of its data struct.
func dataTypeOf(t EventType) any {
	switch t {
	case AgentEnvironmentExpired:
		return new(AgentEnvironmentData)
	case AgentEnvironmentFailed:
		return new(AgentEnvironmentData)
	case AgentEnvironmentReady:
		return new(AgentEnvironmentData)
	case AgentEnvironmentSuspended:
		return new(AgentEnvironmentData)
	case AgentSessionActionRequired:
		return new(AgentSessionData)
	case AgentSessionCreated:
		return new(AgentSessionData)
	case AgentSessionFailed:
		return new(AgentSessionData)
	case AgentSessionIdle:
		return new(AgentSessionData)
	case AgentSessionInProgress:
		return new(AgentSessionData)
	case BatchCancelled:
		return new(BatchData)
	case BatchCompleted:
		return new(BatchData)
	case BatchExpired:
		return new(BatchData)
	case BatchFailed:
		return new(BatchData)
	case EvalRunCanceled:
		return new(EvalRunData)
	case EvalRunFailed:
		return new(EvalRunData)
	case EvalRunSucceeded:
		return new(EvalRunData)
	case FineTuningJobCancelled:
		return new(FineTuningJobData)
	case FineTuningJobFailed:
		return new(FineTuningJobData)
	case FineTuningJobSucceeded:
		return new(FineTuningJobData)
	case LiveCallIncoming:
		return new(LiveCallIncomingData)
	case LiveTransportConnected:
		return new(LiveTransportConnectedData)
	case LiveTransportIncoming:
		return new(LiveTransportIncomingData)
	case RealtimeCallIncoming:
		return new(RealtimeCallIncomingData)
	case ResponseCancelled:
		return new(ResponseData)
	case ResponseCompleted:
		return new(ResponseData)
	case ResponseFailed:
		return new(ResponseData)
	case ResponseIncomplete:
		return new(ResponseData)
	case SafetyAlertCreated:
		return new(SafetyData)
	case SafetyDeactivationIssued:
		return new(SafetyData)
	case SafetyOrgAlertCreated:
		return new(SafetyData)
	case SafetyWarningIssued:
		return new(SafetyData)
	default:
		return nil
	}
}
