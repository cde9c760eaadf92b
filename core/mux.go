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

// Mux dispatches events to handlers by type. It is a Handler; register handlers with On
// and Fallback. It is safe for concurrent use.
type Mux struct {
	mu       sync.RWMutex
	handlers map[EventType]Handler
	fallback Handler
}

// NewMux returns an empty Mux. An event of a type with no handler is handed to the
// fallback, or acknowledged (nil error) when there is none: OpenAI adds event types over
// time, and an endpoint must not fail deliveries it does not care about.
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

// Fallback registers h for events of every type that has no handler of its own.
func (m *Mux) Fallback(h Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fallback = h
}

// HandleEvent calls the handler registered for e.Type, else the fallback, else nothing.
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
		return nil
	}
	return h.HandleEvent(ctx, e)
}
