// Package keyset carries a core.Verifier's keys, clock and tolerance to this module's
// own diagnosis (package diagnose, and through it the adapters' WithDiagnosis), without
// putting the keys in core's public API: core registers how to read them, once, in its
// init, and only this module's packages can import this one to ask.
package keyset

import (
	"crypto/ed25519"
	"sync"
	"time"
)

// Key is one key a verifier accepts: an HMAC key (v1) or an ed25519 public key (v1a).
// Exactly one of the two is set.
type Key struct {
	HMAC   []byte
	Public ed25519.PublicKey
}

// Set is what a verifier checks deliveries with.
type Set struct {
	Keys      []Key
	Tolerance time.Duration
	Now       func() time.Time
}

// The reader core registers. It is written once, during core's initialisation, before
// any code that imports core runs, and never again: Register ignores later calls. So it
// is not state anyone can change, and reading it needs no lock.
var (
	registered sync.Once
	read       func(verifier any) (Set, bool)
)

// Register sets how Of reads a verifier. Package core calls it in its init; this package
// cannot import core (core imports it), hence the hook. Only the first call counts.
func Register(f func(verifier any) (Set, bool)) {
	registered.Do(func() { read = f })
}

// Of returns copies of the keys, and the clock and tolerance, of verifier, a
// *core.Verifier; false for anything else (nil included).
func Of(verifier any) (Set, bool) {
	if read == nil {
		return Set{}, false
	}
	return read(verifier)
}
