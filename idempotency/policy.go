package idempotency

import "time"

// Policy holds the durations an adapter passes to a Store: Lease to Begin and Keep to
// Finish. Build it with NewPolicy, which fills in the defaults.
type Policy struct {
	// Lease is how long a claim lasts when its holder neither finishes nor abandons it.
	// It should exceed the longest time the application's handler takes; OpenAI gives up
	// on a delivery after about 20 s, so DefaultLease leaves ample room.
	Lease time.Duration
	// Keep is how long a finished delivery is remembered as done. OpenAI retries for up
	// to 72 hours (DefaultKeep); a shorter Keep lets a late retry run the handler again.
	Keep time.Duration
}

// ClaimOption changes one field of a Policy. Adapters accept them in
// WithIdempotency(store, opts...).
type ClaimOption func(*Policy)

// Lease sets how long a claim lasts before a retry may take the key again (see
// Policy.Lease). A zero or negative d keeps DefaultLease.
func Lease(d time.Duration) ClaimOption {
	return func(p *Policy) { p.Lease = d }
}

// Keep sets how long a finished delivery is remembered as done (see Policy.Keep). A
// zero or negative d keeps DefaultKeep.
func Keep(d time.Duration) ClaimOption {
	return func(p *Policy) { p.Keep = d }
}

// NewPolicy applies opts in order over the defaults (DefaultLease, DefaultKeep). A
// duration left zero or negative by the options is replaced by its default, so the
// result is always usable as is.
func NewPolicy(opts ...ClaimOption) Policy {
	p := Policy{Lease: DefaultLease, Keep: DefaultKeep}
	for _, opt := range opts {
		if opt != nil {
			opt(&p)
		}
	}
	if p.Lease <= 0 {
		p.Lease = DefaultLease
	}
	if p.Keep <= 0 {
		p.Keep = DefaultKeep
	}
	return p
}
