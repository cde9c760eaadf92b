// Package storetest is the conformance suite every idempotency.Store must pass. The
// memory store and the Redis store of this module run it, and so should a store of your
// own (SQL, DynamoDB, …): call Run from a test of your package with a function that
// returns a fresh, empty store:
//
//	func TestMyStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) (idempotency.Store, func(time.Duration)) {
//			return mystore.New(testDB(t)), time.Sleep // a real clock: advance sleeps
//		})
//	}
//
// The cases check claiming, in-flight and done answers, lease expiry and extension,
// that a stale token cannot extend, finish or release the next holder's claim, default
// durations, and races of many goroutines on one key and on many.
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
		{"StaleHolderCannotExtendNextClaim", testStaleExtend},
		{"ExtendKeepsALiveClaim", testExtend},
		{"ExtendAfterFinishOrAbandon", testExtendEnded},
		{"EmptyOrForeignToken", testForeignToken},
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

var bg = context.Background()

// begin calls Begin and checks its state, and that a token comes with Claimed and only
// with Claimed.
func begin(t *testing.T, s idempotency.Store, key string, lease time.Duration, want idempotency.State) idempotency.Token {
	t.Helper()
	got, tok, err := s.Begin(bg, key, lease)
	if err != nil {
		t.Fatalf("Begin(%q): unexpected error: %v", key, err)
	}
	if got != want {
		t.Fatalf("Begin(%q) = %v, want %v", key, got, want)
	}
	if (tok != "") != (got == idempotency.Claimed) {
		t.Fatalf("Begin(%q) = %v with token %q; a token comes with Claimed and only with Claimed", key, got, tok)
	}
	return tok
}

func finish(t *testing.T, s idempotency.Store, key string, tok idempotency.Token, keep time.Duration) {
	t.Helper()
	if err := s.Finish(bg, key, tok, keep); err != nil {
		t.Fatalf("Finish(%q): unexpected error: %v", key, err)
	}
}

func abandon(t *testing.T, s idempotency.Store, key string, tok idempotency.Token) {
	t.Helper()
	if err := s.Abandon(bg, key, tok); err != nil {
		t.Fatalf("Abandon(%q): unexpected error: %v", key, err)
	}
}

func extend(t *testing.T, s idempotency.Store, key string, tok idempotency.Token, lease time.Duration) {
	t.Helper()
	if err := s.Extend(bg, key, tok, lease); err != nil {
		t.Fatalf("Extend(%q): unexpected error: %v", key, err)
	}
}

func wantNotHeld(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, idempotency.ErrNotHeld) {
		t.Fatalf("%s: got error %v, want one wrapping idempotency.ErrNotHeld", op, err)
	}
}

func testClaim(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	tok := begin(t, s, "wh_claim", LongLease, idempotency.Claimed)
	finish(t, s, "wh_claim", tok, LongKeep)
}

func testDuplicate(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	tok := begin(t, s, "wh_dup", LongLease, idempotency.Claimed)
	finish(t, s, "wh_dup", tok, LongKeep)
	for i := 0; i < 3; i++ {
		begin(t, s, "wh_dup", LongLease, idempotency.Done)
	}
}

func testInFlight(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	first := begin(t, s, "wh_busy", LongLease, idempotency.Claimed)
	begin(t, s, "wh_busy", LongLease, idempotency.InFlight)
	// The holder is not disturbed by the second attempt.
	finish(t, s, "wh_busy", first, LongKeep)
	begin(t, s, "wh_busy", LongLease, idempotency.Done)
}

func testFinishTwice(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	tok := begin(t, s, "wh_twice", LongLease, idempotency.Claimed)
	finish(t, s, "wh_twice", tok, LongKeep)
	wantNotHeld(t, "second Finish", s.Finish(bg, "wh_twice", tok, LongKeep))
	begin(t, s, "wh_twice", LongLease, idempotency.Done)
}

func testFinishWithoutClaim(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	wantNotHeld(t, "Finish of a key never claimed", s.Finish(bg, "wh_none", "made-up", LongKeep))
	wantNotHeld(t, "Abandon of a key never claimed", s.Abandon(bg, "wh_none", "made-up"))
	wantNotHeld(t, "Extend of a key never claimed", s.Extend(bg, "wh_none", "made-up", LongLease))
	wantNotHeld(t, "Finish of a key never claimed, empty token", s.Finish(bg, "wh_none", "", LongKeep))
	// None of that may leave a trace.
	begin(t, s, "wh_none", LongLease, idempotency.Claimed)
}

func testAbandonThenReclaim(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	first := begin(t, s, "wh_retry", LongLease, idempotency.Claimed)
	abandon(t, s, "wh_retry", first)
	wantNotHeld(t, "Abandon after Abandon", s.Abandon(bg, "wh_retry", first))
	wantNotHeld(t, "Finish after Abandon", s.Finish(bg, "wh_retry", first, LongKeep))

	second := begin(t, s, "wh_retry", LongLease, idempotency.Claimed)
	if first == second {
		t.Fatal("two successive claims got the same token; tokens must be unique per claim")
	}
	finish(t, s, "wh_retry", second, LongKeep)
	begin(t, s, "wh_retry", LongLease, idempotency.Done)
}

func testAbandonDone(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	tok := begin(t, s, "wh_kept", LongLease, idempotency.Claimed)
	finish(t, s, "wh_kept", tok, LongKeep)
	wantNotHeld(t, "Abandon of a finished key", s.Abandon(bg, "wh_kept", tok))
	wantNotHeld(t, "Abandon of a finished key, empty token", s.Abandon(bg, "wh_kept", ""))
	begin(t, s, "wh_kept", LongLease, idempotency.Done)
}

func testLeaseExpiry(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	begin(t, s, "wh_dead", ShortLease, idempotency.Claimed)
	begin(t, s, "wh_dead", LongLease, idempotency.InFlight)
	advance(pastShort)
	next := begin(t, s, "wh_dead", LongLease, idempotency.Claimed)
	finish(t, s, "wh_dead", next, LongKeep)
	begin(t, s, "wh_dead", LongLease, idempotency.Done)
}

func testExpiredCannotFinish(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	slow := begin(t, s, "wh_slow", ShortLease, idempotency.Claimed)
	advance(pastShort)
	wantNotHeld(t, "Extend after the lease expired", s.Extend(bg, "wh_slow", slow, LongLease))
	wantNotHeld(t, "Finish after the lease expired", s.Finish(bg, "wh_slow", slow, LongKeep))
	wantNotHeld(t, "Abandon after the lease expired", s.Abandon(bg, "wh_slow", slow))
	// The late calls must not have revived or finished the claim: the retry runs.
	begin(t, s, "wh_slow", LongLease, idempotency.Claimed)
}

func testStaleFinish(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	stale := begin(t, s, "wh_stale_f", ShortLease, idempotency.Claimed)
	advance(pastShort)
	next := begin(t, s, "wh_stale_f", LongLease, idempotency.Claimed)

	wantNotHeld(t, "stale holder's Finish", s.Finish(bg, "wh_stale_f", stale, LongKeep))
	// The next holder's claim is untouched: still in flight, not done.
	begin(t, s, "wh_stale_f", LongLease, idempotency.InFlight)
	finish(t, s, "wh_stale_f", next, LongKeep)
	begin(t, s, "wh_stale_f", LongLease, idempotency.Done)
}

func testStaleAbandon(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	stale := begin(t, s, "wh_stale_a", ShortLease, idempotency.Claimed)
	advance(pastShort)
	next := begin(t, s, "wh_stale_a", LongLease, idempotency.Claimed)

	wantNotHeld(t, "stale holder's Abandon", s.Abandon(bg, "wh_stale_a", stale))
	// The next holder's claim was not released.
	begin(t, s, "wh_stale_a", LongLease, idempotency.InFlight)
	abandon(t, s, "wh_stale_a", next)
	begin(t, s, "wh_stale_a", LongLease, idempotency.Claimed)
}

func testStaleExtend(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	stale := begin(t, s, "wh_stale_e", ShortLease, idempotency.Claimed)
	advance(pastShort)
	next := begin(t, s, "wh_stale_e", ShortLease, idempotency.Claimed)

	wantNotHeld(t, "stale holder's Extend", s.Extend(bg, "wh_stale_e", stale, LongLease))
	// The stale Extend must not have lengthened the next holder's short lease.
	advance(pastShort)
	wantNotHeld(t, "Finish by the next holder after its own short lease", s.Finish(bg, "wh_stale_e", next, LongKeep))
	begin(t, s, "wh_stale_e", LongLease, idempotency.Claimed)
}

// testExtend: a holder that extends its claim keeps it well past the first lease, and
// can still finish it; without Extend the same claim would have expired.
func testExtend(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	tok := begin(t, s, "wh_live", ShortLease, idempotency.Claimed)
	for i := 0; i < 3; i++ {
		advance(ShortLease / 2)
		extend(t, s, "wh_live", tok, ShortLease)
	}
	// 1.5 short leases have passed since Begin: the claim lives on.
	begin(t, s, "wh_live", LongLease, idempotency.InFlight)
	finish(t, s, "wh_live", tok, LongKeep)
	begin(t, s, "wh_live", LongLease, idempotency.Done)

	// An extended claim still expires when its holder stops extending it.
	dead := begin(t, s, "wh_stops", ShortLease, idempotency.Claimed)
	extend(t, s, "wh_stops", dead, ShortLease)
	advance(pastShort)
	begin(t, s, "wh_stops", LongLease, idempotency.Claimed)
}

func testExtendEnded(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	done := begin(t, s, "wh_ext_done", LongLease, idempotency.Claimed)
	finish(t, s, "wh_ext_done", done, LongKeep)
	wantNotHeld(t, "Extend after Finish", s.Extend(bg, "wh_ext_done", done, LongLease))
	begin(t, s, "wh_ext_done", LongLease, idempotency.Done)

	gone := begin(t, s, "wh_ext_gone", LongLease, idempotency.Claimed)
	abandon(t, s, "wh_ext_gone", gone)
	wantNotHeld(t, "Extend after Abandon", s.Extend(bg, "wh_ext_gone", gone, LongLease))
	begin(t, s, "wh_ext_gone", LongLease, idempotency.Claimed)
}

// testForeignToken: an empty token, or the token of another key's claim, never holds
// a claim.
func testForeignToken(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	holder := begin(t, s, "wh_other", LongLease, idempotency.Claimed)
	elsewhere := begin(t, s, "wh_elsewhere", LongLease, idempotency.Claimed)
	for _, tok := range []idempotency.Token{"", elsewhere} {
		wantNotHeld(t, fmt.Sprintf("Finish with token %q", tok), s.Finish(bg, "wh_other", tok, LongKeep))
		wantNotHeld(t, fmt.Sprintf("Abandon with token %q", tok), s.Abandon(bg, "wh_other", tok))
		wantNotHeld(t, fmt.Sprintf("Extend with token %q", tok), s.Extend(bg, "wh_other", tok, LongLease))
	}
	begin(t, s, "wh_other", LongLease, idempotency.InFlight)
	finish(t, s, "wh_other", holder, LongKeep)
	finish(t, s, "wh_elsewhere", elsewhere, LongKeep)
}

func testIndependentKeys(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	a := begin(t, s, "wh_a", LongLease, idempotency.Claimed)
	b := begin(t, s, "wh_b", LongLease, idempotency.Claimed)
	finish(t, s, "wh_a", a, LongKeep)
	begin(t, s, "wh_b", LongLease, idempotency.InFlight)
	abandon(t, s, "wh_b", b)
	begin(t, s, "wh_a", LongLease, idempotency.Done)
	begin(t, s, "wh_b", LongLease, idempotency.Claimed)
}

func testKeepExpiry(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	tok := begin(t, s, "wh_old", LongLease, idempotency.Claimed)
	finish(t, s, "wh_old", tok, ShortLease)
	begin(t, s, "wh_old", LongLease, idempotency.Done)
	advance(pastShort)
	begin(t, s, "wh_old", LongLease, idempotency.Claimed)
}

// testDefaults: zero and negative durations mean DefaultLease and DefaultKeep, so
// nothing expires at once.
func testDefaults(t *testing.T, s idempotency.Store, advance func(time.Duration)) {
	zero := begin(t, s, "wh_zero", 0, idempotency.Claimed)
	neg := begin(t, s, "wh_neg", -time.Second, idempotency.Claimed)
	advance(pastShort)
	begin(t, s, "wh_zero", LongLease, idempotency.InFlight)
	begin(t, s, "wh_neg", LongLease, idempotency.InFlight)
	extend(t, s, "wh_zero", zero, 0)
	extend(t, s, "wh_neg", neg, -time.Second)
	advance(pastShort)
	begin(t, s, "wh_zero", LongLease, idempotency.InFlight)
	finish(t, s, "wh_zero", zero, 0)
	finish(t, s, "wh_neg", neg, -time.Second)
	advance(pastShort)
	begin(t, s, "wh_zero", LongLease, idempotency.Done)
	begin(t, s, "wh_neg", LongLease, idempotency.Done)
}

func testEmptyKey(t *testing.T, s idempotency.Store, _ func(time.Duration)) {
	if st, _, err := s.Begin(bg, "", LongLease); err == nil {
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
		win   idempotency.Token
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			st, tok, err := s.Begin(bg, "wh_race", LongLease)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			count[st]++
			if st == idempotency.Claimed {
				win = tok
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
	finish(t, s, "wh_race", win, LongKeep)

	// And once done, concurrent retries all see Done.
	var done sync.WaitGroup
	failures := make(chan string, n)
	for i := 0; i < n; i++ {
		done.Add(1)
		go func() {
			defer done.Done()
			st, _, err := s.Begin(bg, "wh_race", LongLease)
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
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < keys; i++ {
				key := fmt.Sprintf("wh_many_%d", (i+w)%keys)
				abandoned := false
				for {
					st, tok, err := s.Begin(bg, key, LongLease)
					if err != nil {
						fail(err)
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
					if err := s.Extend(bg, key, tok, LongLease); err != nil {
						fail(err)
						return
					}
					if w%2 == 1 && i%3 == 0 && !abandoned {
						abandoned = true
						err = s.Abandon(bg, key, tok)
					} else {
						mu.Lock()
						runs[key]++
						mu.Unlock()
						err = s.Finish(bg, key, tok, LongKeep)
					}
					if err != nil {
						fail(err)
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
