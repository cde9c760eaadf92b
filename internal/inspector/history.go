package inspector

import (
	"sync"
	"time"
)

// history keeps the last deliveries within a count and a byte bound, and tells the
// live pages (server-sent events) about each new one. Its lock guards pointers only:
// every encoding is made before or after it, never under it, since the receiver waits
// on it to add each delivery.
type history struct {
	maxCount int
	maxBytes int64

	mu      sync.Mutex
	entries []*entry // oldest first
	bytes   int64
	subs    map[chan []byte]struct{}
	closed  bool
}

// entry is one kept delivery with what the API serves of it.
type entry struct {
	d       *Delivery
	summary []byte // the Summary's JSON, made once, before the lock
	diag    *diagnosis
}

// diagnosis is what verify says of a refused delivery, made off the receiver's path:
// text is set before done is closed.
type diagnosis struct {
	done chan struct{}
	text string
}

func (g *diagnosis) set(text string) {
	g.text = text
	close(g.done)
}

// wait returns the diagnosis once it is made, or "" when it is not within d.
func (g *diagnosis) wait(d time.Duration, cancel <-chan struct{}) (string, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-g.done:
		return g.text, true
	case <-t.C:
	case <-cancel:
	}
	return "", false
}

func newHistory(maxCount int, maxBytes int64) *history {
	return &history{maxCount: max(maxCount, 1), maxBytes: maxBytes, subs: make(map[chan []byte]struct{})}
}

// add appends e, forgets the oldest beyond the bounds (the newest is always kept), and
// sends its summary to every live page. A page that does not keep up is dropped: its
// browser reconnects and gets a new snapshot.
func (h *history) add(e *entry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, e)
	h.bytes += e.d.size()
	drop := 0
	for len(h.entries)-drop > 1 && (len(h.entries)-drop > h.maxCount || h.bytes > h.maxBytes) {
		h.bytes -= h.entries[drop].d.size()
		drop++
	}
	if drop > 0 {
		clear(h.entries[:drop])
		h.entries = h.entries[drop:]
	}
	for ch := range h.subs {
		select {
		case ch <- e.summary:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// get returns the entry of delivery n while it is kept.
func (h *history) get(n int64) (*entry, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.entries {
		if e.d.N == n {
			return e, true
		}
	}
	return nil, false
}

// summaries returns the kept deliveries' summaries, newest first.
func (h *history) summaries() [][]byte {
	h.mu.Lock()
	out := make([][]byte, len(h.entries))
	for i, e := range h.entries {
		out[len(out)-1-i] = e.summary
	}
	h.mu.Unlock()
	return out
}

// subscribe returns the summaries now and a channel of each new one, closed when the
// history is closed or the subscriber falls behind; cancel ends it.
func (h *history) subscribe() (snapshot [][]byte, ch <-chan []byte, cancel func()) {
	c := make(chan []byte, 64)
	h.mu.Lock()
	defer h.mu.Unlock()
	snapshot = make([][]byte, len(h.entries))
	for i, e := range h.entries {
		snapshot[len(snapshot)-1-i] = e.summary
	}
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
