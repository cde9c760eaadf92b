package main

import (
	"encoding/json"
	"sort"
	"sync"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// history keeps the last max deliveries for the inspector and tells its live pages
// (server-sent events) about each new one.
type history struct {
	mu      sync.Mutex
	max     int
	entries []*delivery // oldest first
	subs    map[chan []byte]struct{}
	closed  bool
}

func newHistory(maxEntries int) *history {
	return &history{max: maxEntries, subs: make(map[chan []byte]struct{})}
}

// add appends d, forgets the oldest beyond max, and sends d to every live page. A page
// that does not keep up is dropped: its browser reconnects and gets a new snapshot.
func (h *history) add(d *delivery) {
	msg, err := json.Marshal(newDeliveryJSON(d))
	if err != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, d)
	if over := len(h.entries) - h.max; over > 0 {
		clear(h.entries[:over])
		h.entries = h.entries[over:]
	}
	for ch := range h.subs {
		select {
		case ch <- msg:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// get returns delivery n while it is kept.
func (h *history) get(n int64) (*delivery, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, d := range h.entries {
		if d.N == n {
			return d, true
		}
	}
	return nil, false
}

// list returns the kept deliveries, newest first.
func (h *history) list() []deliveryJSON {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]deliveryJSON, 0, len(h.entries))
	for _, d := range h.entries {
		out = append(out, newDeliveryJSON(d))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].N > out[j].N })
	return out
}

// subscribe returns the deliveries now and a channel of each new one (JSON), closed
// when the history is closed or the subscriber falls behind; cancel ends it.
func (h *history) subscribe() (snapshot []deliveryJSON, ch <-chan []byte, cancel func()) {
	snapshot = h.list()
	c := make(chan []byte, 64)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(c)
		return snapshot, c, func() {}
	}
	h.subs[c] = struct{}{}
	return snapshot, c, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[c]; ok {
			delete(h.subs, c)
			close(c)
		}
	}
}

// close ends every live page's stream, so that the server can shut down.
func (h *history) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		delete(h.subs, ch)
		close(ch)
	}
}

// deliveryJSON is one delivery in the inspector's API and page. It never holds the
// secret: the headers are the request's, the diagnosis has the secret taken out.
type deliveryJSON struct {
	N         int64               `json:"n"`
	Time      string              `json:"time"`
	Verdict   string              `json:"verdict"`
	Status    int                 `json:"status"`
	Reason    string              `json:"reason,omitempty"`
	Type      string              `json:"type,omitempty"`
	EventID   string              `json:"event_id,omitempty"`
	WebhookID string              `json:"webhook_id"`
	ReplayOf  int64               `json:"replay_of,omitempty"`
	App       *appJSON            `json:"app,omitempty"`
	Method    string              `json:"method"`
	Path      string              `json:"path"`
	Headers   map[string][]string `json:"headers"`
	Body      string              `json:"body"`
	Truncated bool                `json:"truncated,omitempty"`
	Diagnosis string              `json:"diagnosis,omitempty"`
}

// appJSON is the app's answer to a forwarded or replayed delivery.
type appJSON struct {
	Status    int     `json:"status,omitempty"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
	Body      string  `json:"body,omitempty"`
}

func newDeliveryJSON(d *delivery) deliveryJSON {
	j := deliveryJSON{
		N: d.N, Time: d.At.UTC().Format(time.RFC3339Nano), Verdict: d.Verdict, Status: d.Status, Reason: d.Reason,
		WebhookID: d.Header.Get(core.HeaderID), ReplayOf: d.ReplayOf, Method: d.Method, Path: d.URI,
		Headers: map[string][]string(d.Header.Clone()), Body: string(d.Body), Truncated: d.Truncated, Diagnosis: d.Diagnosis,
	}
	if j.Headers == nil {
		j.Headers = map[string][]string{}
	}
	if d.Host != "" {
		j.Headers["Host"] = []string{d.Host}
	}
	if d.Event != nil {
		j.Type, j.EventID = string(d.Event.Type), d.Event.ID
	} else if e, err := core.ParseEvent(d.Body); err == nil {
		// A refused delivery's claims, shown for orientation only.
		j.Type, j.EventID = string(e.Type), e.ID
	}
	if d.App != nil {
		j.App = &appJSON{Status: d.App.Status, LatencyMS: float64(d.App.Latency.Microseconds()) / 1000, Body: truncateText(string(d.App.Body), 4096)}
		if d.App.Err != nil {
			j.App.Error = unreachableHint(d.App.Err)
		}
	}
	return j
}
