package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/conformance"
)

func TestServer(t *testing.T) {
	conformance.CheckExample(t, run, "response_id=resp_example", "batch_id=batch_example", "call_id=rtc_example", "type=example.future_type")
}

// Data that does not fit the type's struct is a handler error, so the delivery is
// answered 500 and retried.
func TestUndecodableDataFails(t *testing.T) {
	mux := newMux(slog.New(slog.NewTextHandler(io.Discard, nil)))
	e, err := core.ParseEvent([]byte(`{"id":"evt_1","object":"event","type":"batch.completed","data":{"id":42}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := mux.HandleEvent(context.Background(), e); !errors.Is(err, core.ErrMalformedEvent) {
		t.Fatalf("HandleEvent = %v, want core.ErrMalformedEvent", err)
	}
}
