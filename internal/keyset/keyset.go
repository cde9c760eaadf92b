// Package keyset carries a core.Verifier's keys, clock and tolerance to this module's
// own diagnosis (package diagnose, and through it the adapters' WithDiagnosis), without
// putting the keys in core's public API: no other module can name this package's types,
// so none can ask a verifier for its keys by accident.
package keyset

import (
	"crypto/ed25519"
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
