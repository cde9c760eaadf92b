package core

import (
	"context"
	"fmt"
	"sync"
)

// Handler handles one verified event. Returning an error makes the adapter answer 500, so
// OpenAI retries the delivery later.
type Handler interface {
	HandleEvent(ctx context.Context, e *Event) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, e *Event) error

// HandleEvent calls f(ctx, e).
func (f HandlerFunc) HandleEvent(ctx context.Context, e *Event) error { return f(ctx, e) }

// Mux dispatches events to handlers by type. It is a Handler; register handlers with the
// function On (a handler with the typed data of its event type), or with the methods On,
// OnFunc and Fallback. It is safe for concurrent use.
type Mux struct {
	mu       sync.RWMutex
	handlers map[EventType]Handler
	fallback Handler
}

// NewMux returns an empty Mux. An event of a type with no handler is handed to the
// fallback, or, when there is none, marked unhandled (Event.MarkUnhandled) and
// acknowledged with a nil error: OpenAI adds event types over time, and an endpoint must
// not fail deliveries it does not care about, but an operator should see them.
func NewMux() *Mux {
	return &Mux{handlers: make(map[EventType]Handler)}
}

// On registers h for events of type t, replacing any handler registered before.
func (m *Mux) On(t EventType, h Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handlers[t] = h
}

// OnFunc registers the function f for events of type t.
func (m *Mux) OnFunc(t EventType, f func(ctx context.Context, e *Event) error) {
	m.On(t, HandlerFunc(f))
}

// On registers h on m for events of type t, with the event's data decoded into T by
// DecodeData: the data struct of t or a pointer to it, a struct of the application's own,
// a map or a json.RawMessage:
//
//	core.On(mux, core.BatchCompleted, func(ctx context.Context, e *core.Event, data core.BatchData) error {
//		return fetchBatchOutput(ctx, data.ID)
//	})
//
// It replaces any handler registered for t before. Registration is program set-up, so a
// mistake there panics with a clear message, as http.ServeMux does for a bad pattern: a
// nil m or h, or a T that DecodeData refuses for t (CheckDataType): the data struct of
// another family of event types, such as BatchData for fine_tuning.job.succeeded.
//
// When a delivery's data does not decode into T, the handler is not called and the error
// of DecodeData (ErrMalformedEvent) is returned, so that the delivery is answered with an
// error status rather than handled with empty data.
func On[T any](m *Mux, t EventType, h func(ctx context.Context, e *Event, data T) error) {
	if m == nil {
		panic("core.On: the Mux is nil; create it with core.NewMux")
	}
	if h == nil {
		panic(fmt.Sprintf("core.On: the handler for %q is nil", t))
	}
	if err := CheckDataType[T](t); err != nil {
		panic("core.On: " + err.Error())
	}
	m.On(t, HandlerFunc(func(ctx context.Context, e *Event) error {
		data, err := DecodeData[T](e)
		if err != nil {
			return err
		}
		return h(ctx, e, data)
	}))
}

// Fallback registers h for events of every type that has no handler of its own.
func (m *Mux) Fallback(h Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fallback = h
}

// HandleEvent calls the handler registered for e.Type, else the fallback. With neither,
// it marks e unhandled (Event.MarkUnhandled) and returns nil: the adapter acknowledges
// the delivery 200 and reports it OutcomeUnhandled.
func (m *Mux) HandleEvent(ctx context.Context, e *Event) error {
	if e == nil {
		return fmt.Errorf("%w: Mux.HandleEvent was given a nil event", ErrMalformedEvent)
	}
	m.mu.RLock()
	h, ok := m.handlers[e.Type]
	if !ok {
		h = m.fallback
	}
	m.mu.RUnlock()
	if h == nil {
		e.MarkUnhandled()
		return nil
	}
	return h.HandleEvent(ctx, e)
}
