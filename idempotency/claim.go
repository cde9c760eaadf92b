package idempotency

import (
	"context"
	"sync"
)

// A claim is owned by a token, so that a holder whose lease expired cannot finish or
// release the claim of the next holder. The Store interface speaks of keys only; the
// token travels in the context from Begin to Finish or Abandon.

type claimKey struct{}

type claimSlot struct {
	mu    sync.Mutex
	token string
}

// WithClaim returns a context that carries an empty claim slot. Call Begin, and then
// Finish or Abandon, with the same returned context: the store records the holder's
// token in the slot at Begin and presents it at Finish and Abandon. The receive pipeline
// does this for every delivery.
func WithClaim(ctx context.Context) context.Context {
	return context.WithValue(ctx, claimKey{}, &claimSlot{})
}

// SetClaimToken records the token of the claim just taken in ctx's slot. It reports
// false when ctx carries no slot (see WithClaim). Stores call it from Begin.
func SetClaimToken(ctx context.Context, token string) bool {
	slot, ok := ctx.Value(claimKey{}).(*claimSlot)
	if !ok {
		return false
	}
	slot.mu.Lock()
	slot.token = token
	slot.mu.Unlock()
	return true
}

// ClaimToken returns the token recorded in ctx's slot by SetClaimToken, or "" when there
// is none. Stores call it from Finish and Abandon.
func ClaimToken(ctx context.Context) string {
	slot, ok := ctx.Value(claimKey{}).(*claimSlot)
	if !ok {
		return ""
	}
	slot.mu.Lock()
	defer slot.mu.Unlock()
	return slot.token
}

// LookupClaimToken is ClaimToken that also reports whether ctx carries a claim slot at
// all. Stores use it to tell "no slot, so accept the key alone" (ok is false) from "this
// context has a slot but never took a claim" (ok is true, token is ""), which must not
// finish or release anyone's claim.
func LookupClaimToken(ctx context.Context) (token string, ok bool) {
	slot, ok := ctx.Value(claimKey{}).(*claimSlot)
	if !ok {
		return "", false
	}
	slot.mu.Lock()
	defer slot.mu.Unlock()
	return slot.token, true
}
