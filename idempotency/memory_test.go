package idempotency_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/storetest"
)

// fakeClock is a clock that only moves when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 6, 25, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (idempotency.Store, func(time.Duration)) {
		clock := newFakeClock()
		// The zero MemoryOption changes nothing: the store keeps the fake clock.
		return idempotency.NewMemoryStore(idempotency.WithMemoryClock(clock.Now), idempotency.MemoryOption{}), clock.Advance
	})
}

func TestMemoryStoreConformanceRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("sleeps through real leases; skipped with -short")
	}
	storetest.Run(t, func(t *testing.T) (idempotency.Store, func(time.Duration)) {
		return idempotency.NewMemoryStore(), time.Sleep
	})
}

var bg = context.Background()

func claim(t *testing.T, s *idempotency.MemoryStore, key string, lease time.Duration) idempotency.Token {
	t.Helper()
	st, tok, err := s.Begin(bg, key, lease)
	if err != nil || st != idempotency.Claimed {
		t.Fatalf("Begin(%q) = %v, %v; want claimed", key, st, err)
	}
	return tok
}

func state(t *testing.T, s *idempotency.MemoryStore, key string) idempotency.State {
	t.Helper()
	st, tok, err := s.Begin(bg, key, time.Minute)
	if err != nil {
		t.Fatalf("Begin(%q): %v", key, err)
	}
	if st == idempotency.Claimed {
		if err := s.Abandon(bg, key, tok); err != nil {
			t.Fatalf("Abandon(%q): %v", key, err)
		}
	}
	return st
}

func TestMemoryStoreEvictsOldestFinishedFirst(t *testing.T) {
	clock := newFakeClock()
	s := idempotency.NewMemoryStore(idempotency.WithMaxEntries(4), idempotency.WithMemoryClock(clock.Now))

	// Finish b before a, so b is the oldest finished entry despite being claimed second.
	a := claim(t, s, "a", time.Minute)
	b := claim(t, s, "b", time.Minute)
	c := claim(t, s, "c", time.Minute) // stays in flight
	if err := s.Finish(bg, "b", b, time.Hour); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if err := s.Finish(bg, "a", a, time.Hour); err != nil {
		t.Fatal(err)
	}
	claim(t, s, "d", time.Minute) // fills the store: a, b done; c, d in flight
	if n := s.Len(); n != 4 {
		t.Fatalf("Len = %d, want 4", n)
	}

	claim(t, s, "e", time.Minute) // evicts b
	if n := s.Len(); n != 4 {
		t.Fatalf("Len = %d after eviction, want 4", n)
	}
	if got := state(t, s, "a"); got != idempotency.Done {
		t.Fatalf("a = %v, want done (b was finished first and must go first)", got)
	}
	// state() of "b" claims b again, evicting a, then releases b.
	if got := state(t, s, "b"); got != idempotency.Claimed {
		t.Fatalf("b = %v, want claimed again (evicted)", got)
	}
	// Now the store holds c, d, e in flight and nothing finished: it is full only when
	// one more claim arrives.
	claim(t, s, "f", time.Minute)
	_, _, err := s.Begin(bg, "g", time.Minute)
	if !errors.Is(err, idempotency.ErrStoreFull) {
		t.Fatalf("Begin on a store full of claims: err = %v, want ErrStoreFull", err)
	}
	// In-flight claims were never evicted.
	if err := s.Finish(bg, "c", c, time.Hour); err != nil {
		t.Fatalf("Finish(c) after evictions: %v", err)
	}
	// Now c is finished, so the next new key evicts it.
	claim(t, s, "g", time.Minute)
	if got := state(t, s, "d"); got != idempotency.InFlight {
		t.Fatalf("d = %v, want in-flight", got)
	}
}

func TestMemoryStoreFullRecoversWhenLeasesExpire(t *testing.T) {
	clock := newFakeClock()
	s := idempotency.NewMemoryStore(idempotency.WithMaxEntries(2), idempotency.WithMemoryClock(clock.Now))
	claim(t, s, "a", time.Second)
	claim(t, s, "b", time.Minute)
	if _, _, err := s.Begin(bg, "c", time.Minute); !errors.Is(err, idempotency.ErrStoreFull) {
		t.Fatalf("err = %v, want ErrStoreFull", err)
	}
	clock.Advance(time.Second)
	claim(t, s, "c", time.Minute) // a expired and made room
	if got := state(t, s, "b"); got != idempotency.InFlight {
		t.Fatalf("b = %v, want in-flight", got)
	}
}

func TestMemoryStoreExpiryShrinks(t *testing.T) {
	clock := newFakeClock()
	s := idempotency.NewMemoryStore(idempotency.WithMemoryClock(clock.Now))
	for i := 0; i < 100; i++ {
		tok := claim(t, s, fmt.Sprint("k", i), time.Duration(i+1)*time.Second)
		if i%2 == 0 {
			if err := s.Finish(bg, fmt.Sprint("k", i), tok, time.Duration(200-i)*time.Second); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := s.Len(); n != 100 {
		t.Fatalf("Len = %d, want 100", n)
	}
	clock.Advance(50 * time.Second) // claims 0..49 (odd ones in flight) expire
	if n := s.Len(); n != 75 {
		t.Fatalf("Len = %d after 50s, want 75", n)
	}
	clock.Advance(200 * time.Second)
	if n := s.Len(); n != 0 {
		t.Fatalf("Len = %d after all expiries, want 0", n)
	}
}

// TestMemoryStoreModel runs random operations against the store and against a naive
// model of the contract, on a fake clock, and compares every answer.
func TestMemoryStoreModel(t *testing.T) {
	type entry struct {
		done    bool
		owner   int // index of the holding context
		expires time.Time
	}
	const maxEntries = 12
	clock := newFakeClock()
	s := idempotency.NewMemoryStore(idempotency.WithMaxEntries(maxEntries), idempotency.WithMemoryClock(clock.Now))
	model := map[string]*entry{}
	var finishedOrder []string
	tokens := make([]idempotency.Token, 0)
	tokenKey := make([]string, 0)
	rng := rand.New(rand.NewPCG(1, 2))

	purge := func() {
		now := clock.Now()
		for k, e := range model {
			if !now.Before(e.expires) {
				delete(model, k)
			}
		}
		kept := finishedOrder[:0]
		for _, k := range finishedOrder {
			if e, ok := model[k]; ok && e.done {
				kept = append(kept, k)
			}
		}
		finishedOrder = kept
	}

	for step := 0; step < 20000; step++ {
		key := fmt.Sprint("k", rng.IntN(20))
		switch op := rng.IntN(10); {
		case op < 4: // Begin
			lease := time.Duration(1+rng.IntN(10)) * time.Second
			got, tok, err := s.Begin(bg, key, lease)
			purge()
			var want idempotency.State
			var wantFull bool
			if e, ok := model[key]; ok {
				want = idempotency.InFlight
				if e.done {
					want = idempotency.Done
				}
			} else {
				if len(model) >= maxEntries {
					if len(finishedOrder) == 0 {
						wantFull = true
					} else {
						delete(model, finishedOrder[0])
						finishedOrder = finishedOrder[1:]
					}
				}
				if !wantFull {
					want = idempotency.Claimed
					tokens = append(tokens, tok)
					tokenKey = append(tokenKey, key)
					model[key] = &entry{owner: len(tokens) - 1, expires: clock.Now().Add(lease)}
				}
			}
			if wantFull {
				if !errors.Is(err, idempotency.ErrStoreFull) {
					t.Fatalf("step %d: Begin(%s) = %v, %v; want ErrStoreFull", step, key, got, err)
				}
			} else if err != nil || got != want {
				t.Fatalf("step %d: Begin(%s) = %v, %v; want %v", step, key, got, err, want)
			}
		case op < 8 && len(tokens) > 0: // Finish or Abandon by some earlier holder
			i := rng.IntN(len(tokens))
			tok, k := tokens[i], tokenKey[i]
			finishing := op < 6
			var err error
			keep := time.Duration(1+rng.IntN(30)) * time.Second
			if finishing {
				err = s.Finish(bg, k, tok, keep)
			} else {
				err = s.Abandon(bg, k, tok)
			}
			purge()
			e, ok := model[k]
			held := ok && !e.done && e.owner == i
			if held {
				if err != nil {
					t.Fatalf("step %d: finishing=%v %s by holder: %v", step, finishing, k, err)
				}
				if finishing {
					e.done, e.expires = true, clock.Now().Add(keep)
					finishedOrder = append(finishedOrder, k)
				} else {
					delete(model, k)
				}
			} else if !errors.Is(err, idempotency.ErrNotHeld) {
				t.Fatalf("step %d: finishing=%v %s by non-holder: err = %v, want ErrNotHeld", step, finishing, k, err)
			}
		default:
			clock.Advance(time.Duration(rng.IntN(1500)) * time.Millisecond)
		}
		purge()
		if got := s.Len(); got != len(model) {
			t.Fatalf("step %d: Len = %d, model has %d", step, got, len(model))
		}
	}
}

func TestNewPolicy(t *testing.T) {
	p := idempotency.NewPolicy()
	if p.Lease != idempotency.DefaultLease || p.Keep != idempotency.DefaultKeep {
		t.Fatalf("NewPolicy() = %+v, want defaults", p)
	}
	p = idempotency.NewPolicy(idempotency.Lease(30*time.Second), idempotency.Keep(24*time.Hour), nil)
	if p.Lease != 30*time.Second || p.Keep != 24*time.Hour {
		t.Fatalf("NewPolicy(Lease 30s, Keep 24h) = %+v", p)
	}
	p = idempotency.NewPolicy(idempotency.Lease(0), idempotency.Keep(-time.Second))
	if p.Lease != idempotency.DefaultLease || p.Keep != idempotency.DefaultKeep {
		t.Fatalf("NewPolicy(Lease 0, Keep -1s) = %+v, want defaults", p)
	}
}

func TestMemoryStoreHugeDurations(t *testing.T) {
	clock := newFakeClock()
	s := idempotency.NewMemoryStore(idempotency.WithMemoryClock(clock.Now))
	clock.Advance(time.Hour)
	tok := claim(t, s, "forever", math.MaxInt64)
	clock.Advance(24 * time.Hour)
	if got := state(t, s, "forever"); got != idempotency.InFlight {
		t.Fatalf("claim with the largest lease = %v, want in-flight", got)
	}
	if err := s.Finish(bg, "forever", tok, math.MaxInt64); err != nil {
		t.Fatal(err)
	}
	clock.Advance(1000 * time.Hour)
	if got := state(t, s, "forever"); got != idempotency.Done {
		t.Fatalf("finished with the largest keep = %v, want done", got)
	}
}
