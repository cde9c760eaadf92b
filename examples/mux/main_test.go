package main

import (
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/exampletest"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

func TestServer(t *testing.T) {
	conformance.CheckExample(t, run, "response_id=resp_example", "batch_id=batch_example", "call_id=rtc_example", "type=example.future_type")
}

func TestWebhook(t *testing.T) {
	exampletest.Deliveries(t, run, nil, func(s *webhooktest.Sender) []exampletest.Case {
		call := core.RealtimeCallIncomingData{CallID: "rtc_1", SIPHeaders: []core.SIPHeader{{Name: "From", Value: "sip:+15550100@example.com"}}}
		return []exampletest.Case{
			{Name: "batch failed", Delivery: s.Delivery(core.BatchFailed, core.BatchData{ID: "batch_1"}), Status: 200, Output: "batch_id=batch_1"},
			{Name: "incoming call", Delivery: s.Delivery(core.RealtimeCallIncoming, call), Status: 200, Output: "call_id=rtc_1"},
			{Name: "a type not known yet", Delivery: s.Delivery("example.new_type", map[string]string{"id": "x"}), Status: 200, Output: "type=example.new_type"},
			// Data that does not fit the type's struct is a handler error: 500, retried.
			{Name: "data that does not decode", Delivery: s.Delivery(core.BatchCompleted, map[string]int{"id": 42}), Status: 500, Output: "handler failed"},
		}
	})
}

func TestRefusals(t *testing.T) {
	conformance.CheckExampleRefusals(t, run)
}
