package core_test

import (
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
)

// BenchmarkDecodeData decodes the data of a known type into its struct: the type check
// against the event type costs no more than the decoding's own allocations.
func BenchmarkDecodeData(b *testing.B) {
	e, err := core.ParseEvent(testBody())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := core.DecodeData[core.BatchData](e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeDataOwnStruct decodes the data into the application's own struct: no
// type check is needed, so it allocates no more than the canonical struct.
func BenchmarkDecodeDataOwnStruct(b *testing.B) {
	e, err := core.ParseEvent(testBody())
	if err != nil {
		b.Fatal(err)
	}
	type batch struct {
		ID string `json:"id"`
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := core.DecodeData[batch](e); err != nil {
			b.Fatal(err)
		}
	}
}
