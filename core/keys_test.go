package core_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"testing"
)

// ed25519Keys is a fresh v1a key pair in the textual forms of the Standard Webhooks
// scheme.
type ed25519Keys struct {
	private   string // whsk_ + base64 of the 64-byte private key
	public    string // whpk_ + base64 of the raw 32-byte public key
	publicDER string // whpk_ + base64 of the DER SubjectPublicKeyInfo
	pub       ed25519.PublicKey
	priv      ed25519.PrivateKey
}

func newEd25519Keys(tb testing.TB) ed25519Keys {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return ed25519Keys{
		private:   "whsk_" + base64.StdEncoding.EncodeToString(priv),
		public:    "whpk_" + base64.StdEncoding.EncodeToString(pub),
		publicDER: "whpk_" + base64.StdEncoding.EncodeToString(der),
		pub:       pub,
		priv:      priv,
	}
}
