// Package storetest is the conformance suite every idempotency.Store must pass. The
// memory store and the Redis store run the same cases, so they behave alike.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/idempotency"
)

// Durations used by the suite. They are real enough for a store on a real clock (Redis
// expires keys on its own clock), and a store on a fake clock just jumps over them.
const (
	// ShortLease is the lease of claims the suite lets expire.
	ShortLease = 250 * time.Millisecond
	// LongLease is the lease of claims that must not expire during a case.
	LongLease = 30 * time.Second
	// LongKeep is how long finished deliveries are kept when they must not expire.
	LongKeep = time.Hour
	// pastShort is how far the suite moves time to expire a ShortLease or ShortLease keep.
	pastShort = ShortLease + 100*time.Millisecond
)

// NewStoreFunc returns a fresh, empty store for one case, and advance, which makes d
// elapse for that store: a fake clock moves forward, a real one sleeps.
type NewStoreFunc func(t *testing.T) (store idempotency.Store, advance func(d time.Duration))

// Run runs every conformance case against stores made by newStore, each case as a
// subtest with its own store.
func Run(t *testing.T, newStore NewStoreFunc) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s idempotency.Store, advance func(time.Duration))
	}{
		{"Claim", testClaim},
		{"DuplicateIsDone", testDuplicate},
		{"InFlight", testInFlight},
		{"FinishTwice", testFinishTwice},
		{"FinishWithoutClaim", testFinishWithoutClaim},
		{"AbandonThenReclaim", testAbandonThenReclaim},
		{"AbandonDoneKeepsDone", testAbandonDone},
		{"LeaseExpiryThenReclaim", testLeaseExpiry},
		{"ExpiredClaimCannotFinish", testExpiredCannotFinish},
		{"StaleHolderCannotFinishNextClaim", testStaleFinish},
		{"StaleHolderCannotAbandonNextClaim", testStaleAbandon},
		{"ContextWithoutClaimSlot", testNoSlot},
		{"SlotWithoutClaim", testEmptySlot},
		{"KeysAreIndependent", testIndependentKeys},
		{"KeepExpiryForgets", testKeepExpiry},
		{"NonPositiveDurationsUseDefaults", testDefaults},
		{"EmptyKeyRejected", testEmptyKey},
		{"RaceForOneKey", testRaceOneKey},
		{"RaceManyKeys", testRaceManyKeys},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, advance := newStore(t)
			c.fn(t, s, advance)
		})
	}
}

// claimCtx is a context with a fresh claim slot, as the receive pipeline makes per delivery.
func claimCtx() context.Context { return idempotency.WithClaim(context.Background()) }

func begin(t *testing.T, ctx context.Context, s idempotency.Store, key string, lease time.Duration, want idempotency.State) {
	t.Helper()
	got, err := s.Begin(ctx, key, lease)
	if err != nil {
		t.Fatalf("Begin(%q): unexpected error: %v", key, err)
	}
	if got != want {
		t.Fatalf("Begin(%q) = %v, want %v", key, got, want)
	}
}

func finish(t *testing.T, ctx context.Context, s idempotency.Store, key string, keep time.Duration) {
	t.Helper()
	if err := s.Finish(ctx, key, keep); err != nil {
		t.Fatalf("Finish(%q): unexpected error: %v", key, err)
	}
}

func abandon(t *testing.T, ctx context.Context, s idempotency.Store, key string) {
	t.Helper()
	if err := s.Abandon(ctx, key); err != nil {
		t.Fatalf("Abandon(%q): unexpected error: %v", key, err)
	}
}

func wantNotHeld(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, idempotency.ErrNotHeld) {
		t.Fatalf("%s: got error %v, want one wrapping idempotency.ErrNotHeld", op, err)
	}
}

func testClaim(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	ctx := claimCtx()
	begin(t, ctx, s, "wh_claim", LongLease, idempotency.Claimed)
	if idempotency.ClaimToken(ctx) == "" {
		t.Fatal("Begin answered Claimed but recorded no claim token in the context (call idempotency.SetClaimToken)")
	}
	finish(t, ctx, s, "wh_claim", LongKeep)
}

func testDuplicate(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	ctx := claimCtx()
	begin(t, ctx, s, "wh_dup", LongLease, idempotency.Claimed)
	finish(t, ctx, s, "wh_dup", LongKeep)
	for i := 0; i < 3; i++ {
		retry := claimCtx()
		begin(t, retry, s, "wh_dup", LongLease, idempotency.Done)
		if tok := idempotency.ClaimToken(retry); tok != "" {
			t.Fatalf("Begin answered Done but recorded claim token %q", tok)
		}
	}
}

func testInFlight(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	first := claimCtx()
	begin(t, first, s, "wh_busy", LongLease, idempotency.Claimed)
	second := claimCtx()
	begin(t, second, s, "wh_busy", LongLease, idempotency.InFlight)
	if tok := idempotency.ClaimToken(second); tok != "" {
		t.Fatalf("Begin answered InFlight but recorded claim token %q", tok)
	}
	// The holder is not disturbed by the second attempt.
	finish(t, first, s, "wh_busy", LongKeep)
	begin(t, claimCtx(), s, "wh_busy", LongLease, idempotency.Done)
}

func testFinishTwice(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	ctx := claimCtx()
	begin(t, ctx, s, "wh_twice", LongLease, idempotency.Claimed)
	finish(t, ctx, s, "wh_twice", LongKeep)
	wantNotHeld(t, "second Finish", s.Finish(ctx, "wh_twice", LongKeep))
	begin(t, claimCtx(), s, "wh_twice", LongLease, idempotency.Done)
}

func testFinishWithoutClaim(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	wantNotHeld(t, "Finish of a key never claimed", s.Finish(claimCtx(), "wh_none", LongKeep))
	wantNotHeld(t, "Abandon of a key never claimed", s.Abandon(claimCtx(), "wh_none"))
	wantNotHeld(t, "Finish of a key never claimed, no slot", s.Finish(context.Background(), "wh_none", LongKeep))
	// None of that may leave a trace.
	begin(t, claimCtx(), s, "wh_none", LongLease, idempotency.Claimed)
}

func testAbandonThenReclaim(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	first := claimCtx()
	begin(t, first, s, "wh_retry", LongLease, idempotency.Claimed)
	abandon(t, first, s, "wh_retry")
	wantNotHeld(t, "Abandon after Abandon", s.Abandon(first, "wh_retry"))
	wantNotHeld(t, "Finish after Abandon", s.Finish(first, "wh_retry", LongKeep))

	second := claimCtx()
	begin(t, second, s, "wh_retry", LongLease, idempotency.Claimed)
	if idempotency.ClaimToken(first) == idempotency.ClaimToken(second) {
		t.Fatal("two successive claims got the same token; tokens must be unique per claim")
	}
	finish(t, second, s, "wh_retry", LongKeep)
	begin(t, claimCtx(), s, "wh_retry", LongLease, idempotency.Done)
}

func testAbandonDone(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	ctx := claimCtx()
	begin(t, ctx, s, "wh_kept", LongLease, idempotency.Claimed)
	finish(t, ctx, s, "wh_kept", LongKeep)
	wantNotHeld(t, "Abandon of a finished key", s.Abandon(ctx, "wh_kept"))
	wantNotHeld(t, "Abandon of a finished key, no slot", s.Abandon(context.Background(), "wh_kept"))
	begin(t, claimCtx(), s, "wh_kept", LongLease, idempotency.Done)
}

func testLeaseExpiry(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	dead := claimCtx()
	begin(t, dead, s, "wh_dead", ShortLease, idempotency.Claimed)
	begin(t, claimCtx(), s, "wh_dead", LongLease, idempotency.InFlight)
	advance(pastShort)
	next := claimCtx()
	begin(t, next, s, "wh_dead", LongLease, idempotency.Claimed)
	finish(t, next, s, "wh_dead", LongKeep)
	begin(t, claimCtx(), s, "wh_dead", LongLease, idempotency.Done)
}

func testExpiredCannotFinish(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	slow := claimCtx()
	begin(t, slow, s, "wh_slow", ShortLease, idempotency.Claimed)
	advance(pastShort)
	wantNotHeld(t, "Finish after the lease expired", s.Finish(slow, "wh_slow", LongKeep))
	wantNotHeld(t, "Abandon after the lease expired", s.Abandon(slow, "wh_slow"))
	// The late Finish must not have marked the delivery done: the retry runs.
	begin(t, claimCtx(), s, "wh_slow", LongLease, idempotency.Claimed)
}

func testStaleFinish(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	stale := claimCtx()
	begin(t, stale, s, "wh_stale_f", ShortLease, idempotency.Claimed)
	advance(pastShort)
	next := claimCtx()
	begin(t, next, s, "wh_stale_f", LongLease, idempotency.Claimed)

	wantNotHeld(t, "stale holder's Finish", s.Finish(stale, "wh_stale_f", LongKeep))
	// The next holder's claim is untouched: still in flight, not done.
	begin(t, claimCtx(), s, "wh_stale_f", LongLease, idempotency.InFlight)
	finish(t, next, s, "wh_stale_f", LongKeep)
	begin(t, claimCtx(), s, "wh_stale_f", LongLease, idempotency.Done)
}

func testStaleAbandon(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	stale := claimCtx()
	begin(t, stale, s, "wh_stale_a", ShortLease, idempotency.Claimed)
	advance(pastShort)
	next := claimCtx()
	begin(t, next, s, "wh_stale_a", LongLease, idempotency.Claimed)

	wantNotHeld(t, "stale holder's Abandon", s.Abandon(stale, "wh_stale_a"))
	// The next holder's claim was not released.
	begin(t, claimCtx(), s, "wh_stale_a", LongLease, idempotency.InFlight)
	abandon(t, next, s, "wh_stale_a")
	begin(t, claimCtx(), s, "wh_stale_a", LongLease, idempotency.Claimed)
}

// testNoSlot covers the documented fallback: with no claim slot in the context, Finish
// and Abandon act on the key alone.
func testNoSlot(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	ctx := context.Background()
	begin(t, ctx, s, "wh_noslot_f", LongLease, idempotency.Claimed)
	finish(t, ctx, s, "wh_noslot_f", LongKeep)
	begin(t, ctx, s, "wh_noslot_f", LongLease, idempotency.Done)

	begin(t, ctx, s, "wh_noslot_a", LongLease, idempotency.Claimed)
	abandon(t, ctx, s, "wh_noslot_a")
	begin(t, ctx, s, "wh_noslot_a", LongLease, idempotency.Claimed)
}

// testEmptySlot: a context whose slot holds no token never claimed the key, so it must
// not finish or release the claim of the context that did.
func testEmptySlot(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	holder := claimCtx()
	begin(t, holder, s, "wh_other", LongLease, idempotency.Claimed)
	loser := claimCtx()
	begin(t, loser, s, "wh_other", LongLease, idempotency.InFlight)
	wantNotHeld(t, "Finish by a context that got InFlight", s.Finish(loser, "wh_other", LongKeep))
	wantNotHeld(t, "Abandon by a context that got InFlight", s.Abandon(loser, "wh_other"))
	begin(t, claimCtx(), s, "wh_other", LongLease, idempotency.InFlight)
	finish(t, holder, s, "wh_other", LongKeep)
}

func testIndependentKeys(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	a, b := claimCtx(), claimCtx()
	begin(t, a, s, "wh_a", LongLease, idempotency.Claimed)
	begin(t, b, s, "wh_b", LongLease, idempotency.Claimed)
	finish(t, a, s, "wh_a", LongKeep)
	begin(t, claimCtx(), s, "wh_b", LongLease, idempotency.InFlight)
	abandon(t, b, s, "wh_b")
	begin(t, claimCtx(), s, "wh_a", LongLease, idempotency.Done)
	begin(t, claimCtx(), s, "wh_b", LongLease, idempotency.Claimed)
}

func testKeepExpiry(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	ctx := claimCtx()
	begin(t, ctx, s, "wh_old", LongLease, idempotency.Claimed)
	finish(t, ctx, s, "wh_old", ShortLease)
	begin(t, claimCtx(), s, "wh_old", LongLease, idempotency.Done)
	advance(pastShort)
	begin(t, claimCtx(), s, "wh_old", LongLease, idempotency.Claimed)
}

// testDefaults: zero and negative durations mean DefaultLease and DefaultKeep, so
// nothing expires at once.
func testDefaults(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	zero, neg := claimCtx(), claimCtx()
	begin(t, zero, s, "wh_zero", 0, idempotency.Claimed)
	begin(t, neg, s, "wh_neg", -time.Second, idempotency.Claimed)
	advance(pastShort)
	begin(t, claimCtx(), s, "wh_zero", LongLease, idempotency.InFlight)
	begin(t, claimCtx(), s, "wh_neg", LongLease, idempotency.InFlight)
	finish(t, zero, s, "wh_zero", 0)
	finish(t, neg, s, "wh_neg", -time.Second)
	advance(pastShort)
	begin(t, claimCtx(), s, "wh_zero", LongLease, idempotency.Done)
	begin(t, claimCtx(), s, "wh_neg", LongLease, idempotency.Done)
}

func testEmptyKey(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	if st, err := s.Begin(claimCtx(), "", LongLease); err == nil {
		t.Fatalf("Begin with an empty key = %v, nil; want an error", st)
	}
}

// testRaceOneKey: many receivers get the same delivery at once; exactly one may run it.
func testRaceOneKey(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	const n = 64
	var (
		start = make(chan struct{})
		wg    sync.WaitGroup
		mu    sync.Mutex
		count = map[idempotency.State]int{}
		errs  []error
		win   context.Context
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := claimCtx()
			<-start
			st, err := s.Begin(ctx, "wh_race", LongLease)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			count[st]++
			if st == idempotency.Claimed {
				win = ctx
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d racing Begin calls failed, first: %v", len(errs), n, errs[0])
	}
	if count[idempotency.Claimed] != 1 || count[idempotency.InFlight] != n-1 {
		t.Fatalf("%d racing Begin calls answered %v; want exactly 1 claimed and %d in-flight", n, count, n-1)
	}
	finish(t, win, s, "wh_race", LongKeep)

	// And once done, concurrent retries all see Done.
	var done sync.WaitGroup
	failures := make(chan string, n)
	for i := 0; i < n; i++ {
		done.Add(1)
		go func() {
			defer done.Done()
			st, err := s.Begin(claimCtx(), "wh_race", LongLease)
			if err != nil || st != idempotency.Done {
				failures <- fmt.Sprintf("Begin after Finish = %v, %v; want done", st, err)
			}
		}()
	}
	done.Wait()
	close(failures)
	for f := range failures {
		t.Fatal(f)
	}
}

// testRaceManyKeys drives every operation from many goroutines at once, for the race
// detector, and checks that each key ends up done exactly once.
func testRaceManyKeys(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	const (
		workers = 16
		keys    = 32
	)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		runs = map[string]int{}
		errs []error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < keys; i++ {
				key := fmt.Sprintf("wh_many_%d", (i+w)%keys)
				abandoned := false
				for {
					ctx := claimCtx()
					st, err := s.Begin(ctx, key, LongLease)
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						return
					}
					if st == idempotency.Done {
						break
					}
					if st == idempotency.InFlight {
						time.Sleep(time.Millisecond)
						continue
					}
					// Claimed: fail the first attempt on odd workers, to exercise Abandon.
					if w%2 == 1 && i%3 == 0 && !abandoned {
						abandoned = true
						err = s.Abandon(ctx, key)
					} else {
						mu.Lock()
						runs[key]++
						mu.Unlock()
						err = s.Finish(ctx, key, LongKeep)
					}
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d operations failed, first: %v", len(errs), errs[0])
	}
	for i := 0; i < keys; i++ {
		key := fmt.Sprintf("wh_many_%d", i)
		if runs[key] != 1 {
			t.Errorf("key %s was finished %d times, want exactly 1", key, runs[key])
		}
	}
}
