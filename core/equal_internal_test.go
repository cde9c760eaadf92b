package core

import (
	"encoding/base64"
	"testing"
)

// equalSignature is a full comparison: a difference at any of the 44 positions, in any
// bit, is a mismatch.
func TestEqualSignature(t *testing.T) {
	var sum [32]byte
	for i := range sum {
		sum[i] = byte(i * 7)
	}
	var expected [v1SignatureLen]byte
	base64.StdEncoding.Encode(expected[:], sum[:])
	if !equalSignature(string(expected[:]), &expected) {
		t.Fatal("equal texts compare unequal")
	}
	for i := range v1SignatureLen {
		for bit := range 8 {
			other := expected
			other[i] ^= 1 << bit
			if equalSignature(string(other[:]), &expected) {
				t.Fatalf("a difference in bit %d of byte %d is not seen", bit, i)
			}
		}
	}
}
