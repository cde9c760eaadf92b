package main

import (
	"context"
	"sync"

	"github.com/webhookkit/openai-webhooks/internal/inspector"
)

// pending is a delivery while the receiver handles it.
type pending struct {
	d       *inspector.Delivery
	err     error // why it was refused
	handled bool  // the next handler ran (the delivery verified)
}

type pendingKey struct{}

func withPending(ctx context.Context, p *pending) context.Context {
	return context.WithValue(ctx, pendingKey{}, p)
}

func pendingFrom(ctx context.Context) *pending {
	p, _ := ctx.Value(pendingKey{}).(*pending)
	return p
}

// seenIDs remembers the webhook-ids of the last deliveries that verified, so that with
// --forward-to (where every delivery reaches the app) a redelivery is still labelled a
// duplicate. It forgets the oldest beyond max.
type seenIDs struct {
	mu    sync.Mutex
	max   int
	set   map[string]struct{}
	order []string
}

func newSeenIDs(maxIDs int) *seenIDs {
	return &seenIDs{max: maxIDs, set: make(map[string]struct{})}
}

// add records id and reports whether it was seen before.
func (s *seenIDs) add(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.set[id]; ok {
		return true
	}
	s.set[id] = struct{}{}
	s.order = append(s.order, id)
	if len(s.order) > s.max {
		delete(s.set, s.order[0])
		s.order = s.order[1:]
	}
	return false
}
