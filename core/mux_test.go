package core_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
)

// recorder is a Handler that records the events it saw.
type recorder struct {
	mu   sync.Mutex
	seen []core.EventType
	err  error
}

func (r *recorder) HandleEvent(_ context.Context, e *core.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, e.Type)
	return r.err
}

func event(t core.EventType) *core.Event {
	return &core.Event{ID: "evt_1", Type: t, Data: []byte(`{"id":"x"}`)}
}

func TestMux(t *testing.T) {
	ctx := t.Context()
	m := core.NewMux()
	batch := &recorder{}
	m.On(core.BatchCompleted, batch)
	var funcSeen []core.EventType
	m.OnFunc(core.ResponseCompleted, func(_ context.Context, e *core.Event) error {
		funcSeen = append(funcSeen, e.Type)
		return nil
	})

	for _, typ := range []core.EventType{core.BatchCompleted, core.ResponseCompleted, core.BatchFailed, "brand.new"} {
		if err := m.HandleEvent(ctx, event(typ)); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
	}
	if len(batch.seen) != 1 || batch.seen[0] != core.BatchCompleted {
		t.Errorf("On handler saw %v", batch.seen)
	}
	if len(funcSeen) != 1 || funcSeen[0] != core.ResponseCompleted {
		t.Errorf("OnFunc handler saw %v", funcSeen)
	}

	// With a fallback, types without a handler go there, and only those.
	fallback := &recorder{}
	m.Fallback(fallback)
	for _, typ := range []core.EventType{core.BatchFailed, "brand.new", core.BatchCompleted} {
		if err := m.HandleEvent(ctx, event(typ)); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(fallback.seen) != "[batch.failed brand.new]" {
		t.Errorf("fallback saw %v", fallback.seen)
	}
	if len(batch.seen) != 2 {
		t.Errorf("On handler saw %v", batch.seen)
	}

	// On replaces the handler of a type.
	replaced := &recorder{}
	m.On(core.BatchCompleted, replaced)
	_ = m.HandleEvent(ctx, event(core.BatchCompleted))
	if len(replaced.seen) != 1 || len(batch.seen) != 2 {
		t.Errorf("after On again: new %v, old %v", replaced.seen, batch.seen)
	}
}

func TestMuxUnknownWithoutFallback(t *testing.T) {
	m := core.NewMux()
	m.On(core.BatchCompleted, &recorder{err: errors.New("must not run")})
	if err := m.HandleEvent(t.Context(), event("brand.new")); err != nil {
		t.Fatalf("unknown type without fallback: %v, want nil", err)
	}
	if err := core.NewMux().HandleEvent(t.Context(), event(core.BatchCompleted)); err != nil {
		t.Fatalf("empty mux: %v, want nil", err)
	}
}

func TestMuxErrorPropagates(t *testing.T) {
	boom := errors.New("database down")
	m := core.NewMux()
	m.OnFunc(core.BatchCompleted, func(context.Context, *core.Event) error { return fmt.Errorf("save: %w", boom) })
	m.Fallback(core.HandlerFunc(func(context.Context, *core.Event) error { return boom }))
	for _, typ := range []core.EventType{core.BatchCompleted, "brand.new"} {
		err := m.HandleEvent(t.Context(), event(typ))
		if !errors.Is(err, boom) {
			t.Errorf("%s: %v, want the handler's error", typ, err)
		}
		if core.StatusCode(err) != 500 {
			t.Errorf("StatusCode = %d, want 500 so that OpenAI retries", core.StatusCode(err))
		}
	}
}

func TestMuxPassesContextAndEvent(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(t.Context(), key{}, "v")
	want := event(core.BatchCompleted)
	m := core.NewMux()
	m.OnFunc(core.BatchCompleted, func(ctx context.Context, e *core.Event) error {
		if ctx.Value(key{}) != "v" || e != want {
			return errors.New("wrong context or event")
		}
		return nil
	})
	var h core.Handler = m // Mux is a Handler
	if err := h.HandleEvent(ctx, want); err != nil {
		t.Fatal(err)
	}
}

func TestMuxConcurrent(t *testing.T) {
	m := core.NewMux()
	r := &recorder{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				if (i+j)%10 == 0 {
					m.On(core.BatchCompleted, r)
					m.Fallback(r)
				}
				_ = m.HandleEvent(context.Background(), event(core.BatchCompleted))
			}
		})
	}
	wg.Wait()
}

func TestContext(t *testing.T) {
	if e, ok := core.FromContext(context.Background()); ok || e != nil {
		t.Errorf("FromContext(empty) = %v, %v", e, ok)
	}
	want := event(core.BatchCompleted)
	ctx := core.NewContext(t.Context(), want)
	if e, ok := core.FromContext(ctx); !ok || e != want {
		t.Errorf("FromContext = %v, %v", e, ok)
	}
	// Derived contexts carry it too; a nil event is "no event".
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	if e, ok := core.FromContext(child); !ok || e != want {
		t.Errorf("FromContext(child) = %v, %v", e, ok)
	}
	if e, ok := core.FromContext(core.NewContext(t.Context(), nil)); ok || e != nil {
		t.Errorf("FromContext(nil event) = %v, %v", e, ok)
	}
	// An inner NewContext shadows the outer one.
	inner := event(core.BatchFailed)
	if e, _ := core.FromContext(core.NewContext(ctx, inner)); e != inner {
		t.Errorf("inner event not returned")
	}
}

func TestOnTyped(t *testing.T) {
	ctx := t.Context()
	m := core.NewMux()
	var got []string
	core.On(m, core.BatchCompleted, func(_ context.Context, e *core.Event, data core.BatchData) error {
		got = append(got, string(e.Type)+" "+data.ID)
		return nil
	})
	core.On(m, core.RealtimeCallIncoming, func(_ context.Context, _ *core.Event, data core.RealtimeCallIncomingData) error {
		got = append(got, "call "+data.CallID+" "+data.SIPHeaders[0].Value)
		return nil
	})
	// A type not known yet: any data type is accepted.
	type futureData struct {
		Widget string `json:"widget"`
	}
	core.On(m, "brand.new", func(_ context.Context, _ *core.Event, data futureData) error {
		got = append(got, "future "+data.Widget)
		return nil
	})
	for _, e := range []*core.Event{
		{ID: "evt_1", Type: core.BatchCompleted, Data: []byte(`{"id":"batch_1"}`)},
		{ID: "evt_2", Type: core.RealtimeCallIncoming, Data: []byte(`{"call_id":"rtc_1","sip_headers":[{"name":"From","value":"sip:a@b"}]}`)},
		{ID: "evt_3", Type: "brand.new", Data: []byte(`{"widget":"w"}`)},
	} {
		if err := m.HandleEvent(ctx, e); err != nil {
			t.Fatalf("%s: %v", e.Type, err)
		}
	}
	if want := "[batch.completed batch_1 call rtc_1 sip:a@b future w]"; fmt.Sprint(got) != want {
		t.Errorf("handlers saw %v, want %s", got, want)
	}

	// Data that does not decode: the handler is not called, the error is returned.
	err := m.HandleEvent(ctx, &core.Event{ID: "evt_4", Type: core.BatchCompleted, Data: []byte(`{"id":42}`)})
	if !errors.Is(err, core.ErrMalformedEvent) || len(got) != 3 {
		t.Errorf("undecodable data: %v (handlers ran %d times), want ErrMalformedEvent and no call", err, len(got))
	}
	// The handler's own error comes back as it is.
	boom := errors.New("database down")
	core.On(m, core.BatchFailed, func(context.Context, *core.Event, core.BatchData) error { return boom })
	if err := m.HandleEvent(ctx, event(core.BatchFailed)); !errors.Is(err, boom) {
		t.Errorf("handler error: %v", err)
	}
}

// The data struct of another family of event types is refused when the handler is
// registered (program set-up), not when a delivery arrives.
func TestOnTypedMismatchPanics(t *testing.T) {
	mustPanic := func(name string, wantIn []string, register func()) {
		t.Helper()
		defer func() {
			t.Helper()
			r := recover()
			msg, _ := r.(string)
			if r == nil {
				t.Fatalf("%s: no panic", name)
			}
			for _, want := range wantIn {
				if !strings.Contains(msg, want) {
					t.Errorf("%s: panic %q does not name %q", name, msg, want)
				}
			}
		}()
		register()
	}
	m := core.NewMux()
	mustPanic("wrong struct", []string{"core.On", "response.completed", "core.ResponseData", "core.BatchData"}, func() {
		core.On(m, core.ResponseCompleted, func(context.Context, *core.Event, core.BatchData) error { return nil })
	})
	mustPanic("pointer to another family's struct", []string{"fine_tuning.job.succeeded", "core.FineTuningJobData", "*core.BatchData"}, func() {
		core.On(m, core.FineTuningJobSucceeded, func(context.Context, *core.Event, *core.BatchData) error { return nil })
	})
	mustPanic("nil mux", []string{"nil", "core.NewMux"}, func() {
		core.On(nil, core.BatchCompleted, func(context.Context, *core.Event, core.BatchData) error { return nil })
	})
	mustPanic("nil handler", []string{"nil", "batch.completed"}, func() {
		core.On[core.BatchData](m, core.BatchCompleted, nil)
	})
	// Nothing was registered by the refused calls.
	if err := m.HandleEvent(t.Context(), event(core.ResponseCompleted)); err != nil {
		t.Errorf("after refused registrations: %v", err)
	}
}
