package core

import "context"

type eventContextKey struct{}

// NewContext returns a copy of ctx that carries e. Every adapter stores the verified event
// this way, so FromContext works in any framework.
func NewContext(ctx context.Context, e *Event) context.Context {
	return context.WithValue(ctx, eventContextKey{}, e)
}

// FromContext returns the verified event stored in ctx by NewContext.
func FromContext(ctx context.Context) (*Event, bool) {
	e, ok := ctx.Value(eventContextKey{}).(*Event)
	return e, ok && e != nil
}
