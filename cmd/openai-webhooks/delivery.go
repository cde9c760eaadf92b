package main

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// Verdicts of a delivery, as printed, captured and shown by the inspector.
const (
	verdictAccepted  = "accepted"  // verified, handled (and forwarded with --forward-to)
	verdictDuplicate = "duplicate" // verified, a webhook-id seen before
	verdictRefused   = "refused"   // answered by listen with an error status
	verdictReplayed  = "replayed"  // sent to the app again from the inspector
)

// delivery is what listen knows of one request POSTed at its path, or of one replay
// from the inspector. It is filled while the request is handled and not changed once
// it is in the history.
type delivery struct {
	N         int64
	At        time.Time
	Method    string
	URI       string
	Host      string
	Header    http.Header
	Body      []byte
	Truncated bool // Body holds the first bytes only: the body was over the limit

	Verdict   string
	Status    int    // the status listen answered the sender (the app's when forwarded)
	Reason    string // why it was refused
	Event     *core.Event
	App       *appResult // the app's answer, with --forward-to
	ReplayOf  int64      // for a replay: the delivery it replays
	Diagnosis string     // for a refused delivery, with the inspector: what verify says

	handled bool // the next handler ran (the delivery verified)
}

// appResult is the answer of the app a delivery was forwarded to.
type appResult struct {
	Status      int
	ContentType string
	Body        []byte
	Latency     time.Duration
	Err         error // the app could not be reached or did not answer
}

type deliveryKey struct{}

func withDelivery(ctx context.Context, d *delivery) context.Context {
	return context.WithValue(ctx, deliveryKey{}, d)
}

func deliveryFrom(ctx context.Context) *delivery {
	d, _ := ctx.Value(deliveryKey{}).(*delivery)
	return d
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
