// Package idempotency makes each webhook delivery run its handler once, even though
// OpenAI delivers at least once and retries a failed delivery for up to 72 hours.
//
// The key is the delivery's webhook-id, which is the same on every retry. An adapter
// given a store with WithIdempotency claims the key with Begin before it calls the
// application's handler, marks it done with Finish when the handler answered 2xx, and
// releases it with Abandon otherwise, so that OpenAI's retry is processed: nothing is
// lost and nothing runs twice.
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
	// Claimed means the caller now holds the key, with the token Begin returned, and
	// must call Finish or Abandon.
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

// Token identifies one claim. Begin returns it with Claimed; only its holder can Extend,
// Finish or Abandon that claim. It is opaque: compare it, store it, pass it back, but do
// not build one. Tokens tell holders apart; they are not secrets.
type Token string

// ErrNotHeld is returned by Extend, Finish and Abandon when the token does not hold the
// claim: its lease expired and the key was released or claimed by someone else, the key
// is finished, or the token is empty.
var ErrNotHeld = errors.New("idempotency: claim is not held (lease expired or never claimed)")

// ErrStoreFull is returned by Begin when a bounded store has no room for a new claim:
// every entry is a claim still in flight, so nothing may be evicted without risking a
// delivery running twice. An adapter answers 503, and OpenAI retries later.
var ErrStoreFull = errors.New("idempotency: store is full of in-flight claims")

// Store records which deliveries are claimed and which are done. Implementations must be
// safe for concurrent use; package storetest checks one against this contract.
//
//   - Begin claims key for lease and reports Claimed with the claim's token, or reports
//     InFlight (another unexpired claim holds key) or Done (key was finished within its
//     keep), with an empty token. A zero or negative lease means DefaultLease.
//   - Extend renews the claim tok holds on key for another lease from now: an adapter
//     calls it while a slow handler still runs, so a live holder never loses its claim.
//   - Finish marks the claim tok holds on key done and remembers it for keep (zero or
//     negative: DefaultKeep).
//   - Abandon releases the claim tok holds on key, so that a retry can claim it at once.
//     A finished key is never forgotten by Abandon.
//
// Extend, Finish and Abandon return an error wrapping ErrNotHeld when tok does not hold
// the current claim on key, so a holder whose lease expired cannot touch the claim of
// the next holder. Errors of the store itself (a network failure) are returned wrapped;
// an adapter answers 503 when Begin fails, and OpenAI retries later.
type Store interface {
	Begin(ctx context.Context, key string, lease time.Duration) (State, Token, error)
	Extend(ctx context.Context, key string, tok Token, lease time.Duration) error
	Finish(ctx context.Context, key string, tok Token, keep time.Duration) error
	Abandon(ctx context.Context, key string, tok Token) error
}
