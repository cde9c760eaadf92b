package main

import (
	"testing"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/exampletest"
)

func TestServer(t *testing.T) {
	conformance.CheckExample(t, run, "response_id=resp_example", "type=batch.completed", "type=example.future_type")
}

func TestWebhook(t *testing.T) {
	exampletest.Deliveries(t, run, nil, exampletest.Standard)
}

func TestRefusals(t *testing.T) {
	conformance.CheckExampleRefusals(t, run)
}
