package listener

import (
	"context"
	"net/http"
	"sync"

	"github.com/webhookkit/openai-webhooks/internal/forward"
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

// forwardHandler is the handler after verification with ForwardTo: it sends the
// delivery to the app and answers the sender with the app's status and body, or 502
// when the app cannot be reached.
func forwardHandler(client *http.Client, target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := pendingFrom(r.Context())
		if p == nil { // cannot happen: the receiver always sets it
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		res := forward.Post(r.Context(), client, target, p.d.Header, p.d.Body)
		p.d.App = res
		if res.Err != nil && res.Status == 0 {
			// Never the app's address or the error's detail to the sender: listen prints them.
			WriteJSON(w, http.StatusBadGateway, []byte(`{"error":"bad gateway: the application behind this receiver did not answer"}`))
			return
		}
		if res.ContentType != "" {
			w.Header().Set("Content-Type", res.ContentType)
		}
		w.WriteHeader(res.Status)
		_, _ = w.Write(res.Body)
	})
}

// seenIDs remembers the webhook-ids of the last deliveries that verified, so that with
// ForwardTo (where every delivery reaches the app) a redelivery is still labelled a
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
