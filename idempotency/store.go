// Package idempotency makes each webhook delivery run its handler once, even though
// OpenAI delivers at least once and retries a failed delivery for up to 72 hours.
//
// The key is the delivery's webhook-id, which is the same on every retry. The receive
// pipeline claims the key with Begin before it calls the application's handler, marks it
// done with Finish when the handler answered 2xx, and releases it with Abandon otherwise,
// so that OpenAI's retry is processed: nothing is lost and nothing runs twice.
//
// This package imports the standard library only. NewMemoryStore serves one process;
// package redisstore serves several replicas that share one Redis.
package idempotency

import (
	"context"
	"errors"
	"time"
)

// DefaultLease is how long a claim lasts when its holder neither finishes nor abandons
// it (the process died). After it a retry of the same delivery may claim the key again.
const DefaultLease = 2 * time.Minute

// DefaultKeep is how long a finished delivery is remembered: OpenAI retries for up to
// 72 hours, so a duplicate within that window is recognised.
const DefaultKeep = 72 * time.Hour

// State is the answer of Store.Begin.
type State int

const (
	// Claimed means the caller now holds the key and must call Finish or Abandon.
	Claimed State = iota + 1
	// InFlight means another holder is processing the same delivery right now.
	InFlight
	// Done means the delivery was already handled successfully.
	Done
)

// String returns the state's name.
func (s State) String() string {
	switch s {
	case Claimed:
		return "claimed"
	case InFlight:
		return "in-flight"
	case Done:
		return "done"
	default:
		return "unknown"
	}
}

// ErrNotHeld is returned by Finish and Abandon when the caller no longer holds the
// claim: its lease expired and the key was released or claimed by someone else.
var ErrNotHeld = errors.New("idempotency: claim is not held (lease expired or never claimed)")

// ErrStoreFull is returned by Begin when a bounded store has no room for a new claim:
// every entry is a claim still in flight, so nothing may be evicted without risking a
// delivery running twice. The receive pipeline answers 503, and OpenAI retries later.
var ErrStoreFull = errors.New("idempotency: store is full of in-flight claims")

// Store records which deliveries are claimed and which are done. Implementations must be
// safe for concurrent use.
//
// Begin claims key for lease and reports Claimed, or reports InFlight or Done when the key
// is already held or finished. Finish marks a claimed key done and remembers it for keep.
// Abandon releases a claimed key so that a retry can claim it. The interface speaks of
// keys only; the holder's token travels in the context (see WithClaim), and the stores
// of this module (MemoryStore, redisstore) use it to refuse Finish and Abandon from a
// holder whose lease expired, with ErrNotHeld.
type Store interface {
	Begin(ctx context.Context, key string, lease time.Duration) (State, error)
	Finish(ctx context.Context, key string, keep time.Duration) error
	Abandon(ctx context.Context, key string) error
}
