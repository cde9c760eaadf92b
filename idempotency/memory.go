package idempotency

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxEntries is the number of keys a MemoryStore holds unless WithMaxEntries says
// otherwise. An entry costs roughly 150 bytes plus the length of its key.
const DefaultMaxEntries = 100_000

// errEmptyKey is returned by Begin for an empty key.
var errEmptyKey = errors.New("idempotency: empty key: pass the delivery's webhook-id header as the key")

// MemoryOption is a setting of NewMemoryStore: WithMaxEntries or WithMemoryClock. The
// zero MemoryOption changes nothing.
type MemoryOption struct {
	apply func(*memoryConfig)
}

type memoryConfig struct {
	maxEntries int
	now        func() time.Time
}

// WithMaxEntries bounds the number of keys the store holds, claims and finished
// deliveries together (default DefaultMaxEntries). When the store is full, Begin evicts
// the finished delivery that was finished first; when every entry is a claim still in
// flight, Begin fails with ErrStoreFull. A zero or negative n keeps the default.
func WithMaxEntries(n int) MemoryOption {
	return MemoryOption{func(c *memoryConfig) {
		if n > 0 {
			c.maxEntries = n
		}
	}}
}

// WithMemoryClock replaces time.Now as the store's clock, so tests can move time forward
// to expire leases and finished deliveries. A nil now keeps time.Now.
func WithMemoryClock(now func() time.Time) MemoryOption {
	return MemoryOption{func(c *memoryConfig) {
		if now != nil {
			c.now = now
		}
	}}
}

// MemoryStore is a Store that lives in one process's memory: use it when a single
// replica receives the webhooks (use package redisstore for several). It is safe for
// concurrent use, and its zero value is not usable: call NewMemoryStore.
//
// Entries expire lazily, with no background goroutine: a claim after its lease, a
// finished delivery after its keep. Expired entries are removed by the next Begin, so
// the store needs no Close. The store never holds more than its maximum number of
// entries (see WithMaxEntries).
//
// Each claim is owned by a token unique to it, which Begin returns. Extend, Finish and
// Abandon act only when given the token of the current claim; otherwise they return
// ErrNotHeld.
type MemoryStore struct {
	now  func() time.Time
	base time.Time // times are kept as offsets from base: cheap to compare, monotonic
	max  int

	tokenPrefix string        // random per store
	tokenSeq    atomic.Uint64 // makes each claim's token unique within the store

	mu      sync.Mutex
	entries map[string]*memEntry
	expiry  expiryHeap // every entry, soonest expiry first
	// finished deliveries in the order they were finished: the eviction order.
	oldest, newest *memEntry
}

// memEntry is one key: a claim in flight (done false) or a finished delivery.
type memEntry struct {
	key     string
	token   Token // the holder's token while in flight
	done    bool
	expires time.Duration // offset from MemoryStore.base
	index   int           // position in expiry

	prev, next *memEntry // neighbours in the finished list, when done
}

// NewMemoryStore returns an empty in-memory Store, bounded to DefaultMaxEntries keys
// unless WithMaxEntries says otherwise.
func NewMemoryStore(opts ...MemoryOption) *MemoryStore {
	cfg := memoryConfig{maxEntries: DefaultMaxEntries, now: time.Now}
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(&cfg)
		}
	}
	return &MemoryStore{
		now:         cfg.now,
		base:        cfg.now(),
		max:         cfg.maxEntries,
		tokenPrefix: rand.Text()[:12] + ".",
		entries:     make(map[string]*memEntry),
	}
}

// clock returns the current time as an offset from s.base.
func (s *MemoryStore) clock() time.Duration { return s.now().Sub(s.base) }

// newToken returns a token no other claim of this store has had: a random prefix drawn
// when the store was made, so tokens of different stores differ too, and a sequence
// number. Tokens only tell holders apart; they are not secrets.
func (s *MemoryStore) newToken() Token {
	var buf [32]byte
	b := append(buf[:0], s.tokenPrefix...)
	b = strconv.AppendUint(b, s.tokenSeq.Add(1), 36)
	return Token(b)
}

var _ Store = (*MemoryStore)(nil)

// Begin claims key for lease and reports Claimed with the new claim's token; or it
// reports InFlight when another unexpired claim holds key, or Done when key was finished
// less than its keep ago. A zero or negative lease means DefaultLease. When the store is
// full and holds no finished delivery to evict, Begin returns an error wrapping
// ErrStoreFull.
func (s *MemoryStore) Begin(_ context.Context, key string, lease time.Duration) (State, Token, error) {
	if key == "" {
		return 0, "", errEmptyKey
	}
	if lease <= 0 {
		lease = DefaultLease
	}
	s.mu.Lock()
	now := s.clock()
	s.removeExpired(now)
	if e, ok := s.entries[key]; ok {
		state := InFlight
		if e.done {
			state = Done
		}
		s.mu.Unlock()
		return state, "", nil
	}
	if len(s.entries) >= s.max {
		if s.oldest == nil {
			n := len(s.entries)
			s.mu.Unlock()
			return 0, "", fmt.Errorf("%w: all %d entries are claims still in flight; raise the limit with WithMaxEntries, or use a shared store such as redisstore", ErrStoreFull, n)
		}
		s.remove(s.oldest)
	}
	token := s.newToken()
	e := &memEntry{key: key, token: token, expires: addSat(now, lease)}
	s.entries[key] = e
	s.expiry.push(e)
	s.mu.Unlock()
	return Claimed, token, nil
}

// Extend renews the claim tok holds on key for lease from now (a zero or negative lease
// means DefaultLease). It returns an error wrapping ErrNotHeld when tok does not hold the
// current claim.
func (s *MemoryStore) Extend(_ context.Context, key string, tok Token, lease time.Duration) error {
	if lease <= 0 {
		lease = DefaultLease
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	e, err := s.held(key, tok, now)
	if err != nil {
		return err
	}
	e.expires = addSat(now, lease)
	s.expiry.fix(e)
	return nil
}

// Finish marks the claim on key done and remembers it for keep (a zero or negative keep
// means DefaultKeep), so that Begin reports Done until then. It returns an error wrapping
// ErrNotHeld when tok does not hold the current claim: its lease expired, another holder
// claimed key since, the key is already done, or tok is empty.
func (s *MemoryStore) Finish(_ context.Context, key string, tok Token, keep time.Duration) error {
	if keep <= 0 {
		keep = DefaultKeep
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	e, err := s.held(key, tok, now)
	if err != nil {
		return err
	}
	e.done = true
	e.token = ""
	e.expires = addSat(now, keep)
	s.expiry.fix(e)
	s.appendFinished(e)
	return nil
}

// Abandon releases the claim on key so that a retry of the delivery can claim it at
// once. It returns an error wrapping ErrNotHeld when tok does not hold the current
// claim, and it never forgets a finished delivery.
func (s *MemoryStore) Abandon(_ context.Context, key string, tok Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.held(key, tok, s.clock())
	if err != nil {
		return err
	}
	s.remove(e)
	return nil
}

// Len reports how many keys the store holds, claims in flight and finished deliveries
// together, after removing the expired ones.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removeExpired(s.clock())
	return len(s.entries)
}

// addSat returns t+d, or the largest Duration when that overflows (a keep of
// math.MaxInt64 means forever, not the past).
func addSat(t, d time.Duration) time.Duration {
	if sum := t + d; d > 0 && sum < t {
		return math.MaxInt64
	}
	return t + d
}

// held returns the unexpired claim on key if token holds it. s.mu must be held.
func (s *MemoryStore) held(key string, token Token, now time.Duration) (*memEntry, error) {
	e, ok := s.entries[key]
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: key %q has no claim (never claimed, released, or expired)", ErrNotHeld, key)
	case now >= e.expires:
		s.remove(e)
		if e.done {
			return nil, fmt.Errorf("%w: key %q has no claim (never claimed, released, or expired)", ErrNotHeld, key)
		}
		return nil, fmt.Errorf("%w: the lease on key %q expired; raise the lease above the handler's running time", ErrNotHeld, key)
	case e.done:
		return nil, fmt.Errorf("%w: key %q is already finished", ErrNotHeld, key)
	case token == "":
		return nil, fmt.Errorf("%w: the token for key %q is empty (Begin did not answer Claimed)", ErrNotHeld, key)
	case token != e.token:
		return nil, fmt.Errorf("%w: key %q is claimed by another holder (this token's lease expired)", ErrNotHeld, key)
	}
	return e, nil
}

// removeExpired drops every entry whose time is up. s.mu must be held.
func (s *MemoryStore) removeExpired(now time.Duration) {
	for len(s.expiry) > 0 && now >= s.expiry[0].expires {
		s.remove(s.expiry[0].entry)
	}
}

// remove drops e from the map, the expiry heap and the finished list. s.mu must be held.
func (s *MemoryStore) remove(e *memEntry) {
	delete(s.entries, e.key)
	s.expiry.remove(e)
	if e.done {
		s.unlinkFinished(e)
	}
}

func (s *MemoryStore) appendFinished(e *memEntry) {
	e.prev, e.next = s.newest, nil
	if s.newest != nil {
		s.newest.next = e
	} else {
		s.oldest = e
	}
	s.newest = e
}

func (s *MemoryStore) unlinkFinished(e *memEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		s.oldest = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		s.newest = e.prev
	}
	e.prev, e.next = nil, nil
}

// expiryHeap is a binary min-heap of entries ordered by expiry; each entry knows its
// index, so it can be fixed or removed in O(log n). The expiry is copied into the slot
// so that ordering does not chase pointers.
type expiryHeap []heapSlot

type heapSlot struct {
	expires time.Duration
	entry   *memEntry
}

func (h expiryHeap) less(i, j int) bool { return h[i].expires < h[j].expires }

func (h expiryHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].entry.index = i
	h[j].entry.index = j
}

func (h *expiryHeap) push(e *memEntry) {
	e.index = len(*h)
	*h = append(*h, heapSlot{e.expires, e})
	h.up(e.index)
}

func (h *expiryHeap) remove(e *memEntry) {
	i, last := e.index, len(*h)-1
	if i != last {
		h.swap(i, last)
	}
	(*h)[last] = heapSlot{}
	*h = (*h)[:last]
	if i != last {
		h.fix((*h)[i].entry)
	}
	e.index = -1
}

// fix restores the heap after e.expires changed.
func (h expiryHeap) fix(e *memEntry) {
	h[e.index].expires = e.expires
	if !h.down(e.index) {
		h.up(e.index)
	}
}

func (h expiryHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

// down moves the element at i towards the leaves and reports whether it moved.
func (h expiryHeap) down(i int) bool {
	start, n := i, len(h)
	for {
		child := 2*i + 1
		if child >= n {
			break
		}
		if right := child + 1; right < n && h.less(right, child) {
			child = right
		}
		if !h.less(child, i) {
			break
		}
		h.swap(i, child)
		i = child
	}
	return i > start
}
