package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
)

// ownBatch is an application's own struct for the data of a batch event.
type ownBatch struct {
	ID string `json:"id"`
}

// TestDecodeDataAcceptsWhatFits: the data of a known type decodes into every type the
// JSON fits, and only another family's data struct is refused; an unknown type's data
// decodes into anything it fits, canonical structs included.
func TestDecodeDataAcceptsWhatFits(t *testing.T) {
	batch := &core.Event{ID: "evt_1", Type: core.BatchCompleted, Data: []byte(`{"id":"batch_1"}`)}
	future := &core.Event{ID: "evt_2", Type: "brand.new", Data: []byte(`{"id":"x_1"}`)}
	tests := []struct {
		name     string
		e        *core.Event
		decode   func(*core.Event) (string, error) // the id decoded
		mismatch bool
	}{
		{"own struct", batch, func(e *core.Event) (string, error) {
			d, err := core.DecodeData[ownBatch](e)
			return d.ID, err
		}, false},
		{"pointer to own struct", batch, func(e *core.Event) (string, error) {
			d, err := core.DecodeData[*ownBatch](e)
			if d == nil {
				return "", err
			}
			return d.ID, err
		}, false},
		{"map", batch, func(e *core.Event) (string, error) {
			d, err := core.DecodeData[map[string]any](e)
			id, _ := d["id"].(string)
			return id, err
		}, false},
		{"any", batch, func(e *core.Event) (string, error) {
			d, err := core.DecodeData[any](e)
			m, _ := d.(map[string]any)
			id, _ := m["id"].(string)
			return id, err
		}, false},
		{"json.RawMessage", batch, func(e *core.Event) (string, error) {
			d, err := core.DecodeData[json.RawMessage](e)
			if string(d) != `{"id":"batch_1"}` {
				return string(d), err
			}
			return "batch_1", err
		}, false},
		{"BatchData", batch, func(e *core.Event) (string, error) {
			d, err := core.DecodeData[core.BatchData](e)
			return d.ID, err
		}, false},
		{"*BatchData", batch, func(e *core.Event) (string, error) {
			d, err := core.DecodeData[*core.BatchData](e)
			if d == nil {
				return "", err
			}
			return d.ID, err
		}, false},
		{"FineTuningJobData", batch, func(e *core.Event) (string, error) {
			d, err := core.DecodeData[core.FineTuningJobData](e)
			return d.ID, err
		}, true},
		{"*FineTuningJobData", batch, func(e *core.Event) (string, error) {
			d, err := core.DecodeData[*core.FineTuningJobData](e)
			if d != nil {
				return d.ID, err
			}
			return "", err
		}, true},
		{"unknown type into BatchData", future, func(e *core.Event) (string, error) {
			d, err := core.DecodeData[core.BatchData](e)
			return d.ID, err
		}, false},
		{"unknown type into FineTuningJobData", future, func(e *core.Event) (string, error) {
			d, err := core.DecodeData[core.FineTuningJobData](e)
			return d.ID, err
		}, false},
		{"unknown type into a map", future, func(e *core.Event) (string, error) {
			d, err := core.DecodeData[map[string]string](e)
			return d["id"], err
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := tc.decode(tc.e)
			if tc.mismatch {
				if !errors.Is(err, core.ErrDataTypeMismatch) || id != "" {
					t.Fatalf("got %q, %v; want ErrDataTypeMismatch and no data", id, err)
				}
				return
			}
			var want struct{ ID string }
			_ = json.Unmarshal(tc.e.Data, &want)
			if err != nil || id != want.ID {
				t.Fatalf("got %q, %v; want %q", id, err, want.ID)
			}
		})
	}
}

// TestDecodeDataRefusesDataThatDoesNotFit: a type the JSON does not fit is a malformed
// delivery, not a mismatch, whether the type is the application's own or canonical.
func TestDecodeDataRefusesDataThatDoesNotFit(t *testing.T) {
	e := &core.Event{ID: "evt_1", Type: core.BatchCompleted, Data: []byte(`{"id":42}`)}
	if _, err := core.DecodeData[ownBatch](e); !errors.Is(err, core.ErrMalformedEvent) {
		t.Errorf("own struct: %v, want ErrMalformedEvent", err)
	}
	if _, err := core.DecodeData[*core.BatchData](e); !errors.Is(err, core.ErrMalformedEvent) {
		t.Errorf("*BatchData: %v, want ErrMalformedEvent", err)
	}
	if _, err := core.DecodeData[[]string](e); !errors.Is(err, core.ErrMalformedEvent) {
		t.Errorf("[]string: %v, want ErrMalformedEvent", err)
	}
}

// TestOnAcceptsWhatDecodeDataAccepts: core.On registers, without a panic, every data
// type DecodeData accepts, and its handler gets the decoded data.
func TestOnAcceptsWhatDecodeDataAccepts(t *testing.T) {
	m := core.NewMux()
	var got []string
	core.On(m, core.BatchCompleted, func(_ context.Context, _ *core.Event, d ownBatch) error {
		got = append(got, "own "+d.ID)
		return nil
	})
	core.On(m, core.BatchFailed, func(_ context.Context, _ *core.Event, d *core.BatchData) error {
		got = append(got, "ptr "+d.ID)
		return nil
	})
	core.On(m, core.BatchExpired, func(_ context.Context, _ *core.Event, d map[string]any) error {
		got = append(got, "map "+d["id"].(string))
		return nil
	})
	core.On(m, core.BatchCancelled, func(_ context.Context, _ *core.Event, d json.RawMessage) error {
		got = append(got, "raw "+string(d))
		return nil
	})
	for _, typ := range []core.EventType{core.BatchCompleted, core.BatchFailed, core.BatchExpired, core.BatchCancelled} {
		if err := m.HandleEvent(t.Context(), &core.Event{ID: "evt_1", Type: typ, Data: []byte(`{"id":"b"}`)}); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	want := []string{"own b", "ptr b", "map b", `raw {"id":"b"}`}
	if len(got) != len(want) {
		t.Fatalf("handlers saw %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("handlers saw %q, want %q", got, want)
		}
	}
}

// TestCheckDataType is the rule On applies at registration, and riverjobs.OnTx too.
func TestCheckDataType(t *testing.T) {
	if err := core.CheckDataType[ownBatch](core.FineTuningJobSucceeded); err != nil {
		t.Errorf("own struct: %v", err)
	}
	if err := core.CheckDataType[*core.FineTuningJobData](core.FineTuningJobSucceeded); err != nil {
		t.Errorf("pointer to its own struct: %v", err)
	}
	if err := core.CheckDataType[core.BatchData](core.FineTuningJobSucceeded); !errors.Is(err, core.ErrDataTypeMismatch) {
		t.Errorf("BatchData for fine_tuning.job.succeeded: %v, want ErrDataTypeMismatch", err)
	}
	if err := core.CheckDataType[core.BatchData]("brand.new"); err != nil {
		t.Errorf("an unknown type: %v", err)
	}
}
