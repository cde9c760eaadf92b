package core

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
)

// Secret prefixes of the Standard Webhooks scheme.
const (
	prefixHMAC       = "whsec_" // symmetric key, v1 signatures
	prefixPublicKey  = "whpk_"  // ed25519 public key, verifies v1a
	prefixPrivateKey = "whsk_"  // ed25519 private key, signs v1a
)

// minHMACKeyBytes is the shortest HMAC key the Standard Webhooks specification allows
// (it recommends 24 to 64 bytes; OpenAI's are 32).
const minHMACKeyBytes = 24

const secretHelp = "a webhook secret looks like whsec_<base64 of 24 to 64 bytes> (as shown in the OpenAI dashboard), bare base64 of the same bytes, or whpk_<base64 ed25519 public key>"

// verifyKey is one secret a Verifier accepts: an HMAC key or an ed25519 public key.
type verifyKey struct {
	hmac      []byte
	publicKey ed25519.PublicKey
}

func parseVerifyKey(secret string) (verifyKey, error) {
	s := strings.TrimSpace(secret)
	switch {
	case s == "":
		return verifyKey{}, fmt.Errorf("%w: the secret is empty; %s", ErrInvalidSecret, secretHelp)
	case isQuoted(s):
		return verifyKey{}, fmt.Errorf("%w: the secret is quoted (it starts and ends with %c): remove the quotes, which a .env file, a YAML value or shell quoting kept as part of the value", ErrInvalidSecret, s[0])
	case looksLikeSignature(s):
		return verifyKey{}, fmt.Errorf("%w: %q is a signature (the webhook-signature header), not a secret; %s", ErrInvalidSecret, redact(s), secretHelp)
	case strings.HasPrefix(s, prefixPrivateKey):
		return verifyKey{}, fmt.Errorf("%w: whsk_ is an ed25519 signing key and must stay with the sender; give the receiver its whpk_ public key", ErrInvalidSecret)
	case strings.HasPrefix(s, prefixPublicKey):
		pub, err := parsePublicKey(s[len(prefixPublicKey):])
		return verifyKey{publicKey: pub}, err
	default:
		key, err := parseHMACKey(s)
		return verifyKey{hmac: key}, err
	}
}

func parseHMACKey(s string) ([]byte, error) {
	encoded, prefixed := strings.CutPrefix(s, prefixHMAC)
	key, err := decodeBase64Secret(encoded)
	if err != nil {
		what := "the part after whsec_"
		if !prefixed {
			what = "the secret (it has no whsec_ prefix, so it is read as bare base64)"
		}
		return nil, fmt.Errorf("%w: %s is not valid base64 (%v); copy the secret exactly as OpenAI shows it, without quotes; %s", ErrInvalidSecret, what, err, secretHelp)
	}
	if len(key) < minHMACKeyBytes {
		return nil, fmt.Errorf("%w: the key decodes to %d bytes, fewer than the %d the Standard Webhooks scheme requires; %s", ErrInvalidSecret, len(key), minHMACKeyBytes, secretHelp)
	}
	return key, nil
}

func parsePublicKey(encoded string) (ed25519.PublicKey, error) {
	raw, err := decodeBase64Secret(encoded)
	if err != nil {
		return nil, fmt.Errorf("%w: the part after whpk_ is not valid base64 (%v)", ErrInvalidSecret, err)
	}
	if len(raw) == ed25519.PublicKeySize {
		return ed25519.PublicKey(raw), nil
	}
	parsed, err := x509.ParsePKIXPublicKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: whpk_ holds %d bytes, neither a raw 32-byte ed25519 key nor a DER SubjectPublicKeyInfo (%v)", ErrInvalidSecret, len(raw), err)
	}
	pub, ok := parsed.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: whpk_ holds a %T key; only ed25519 keys sign webhooks", ErrInvalidSecret, parsed)
	}
	return pub, nil
}

func parsePrivateKey(s string) (ed25519.PrivateKey, error) {
	raw, err := decodeBase64Secret(strings.TrimPrefix(strings.TrimSpace(s), prefixPrivateKey))
	if err != nil {
		return nil, fmt.Errorf("%w: the part after whsk_ is not valid base64 (%v)", ErrInvalidSecret, err)
	}
	switch len(raw) {
	case ed25519.PrivateKeySize:
		return ed25519.PrivateKey(raw), nil
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	default:
		return nil, fmt.Errorf("%w: whsk_ holds %d bytes; an ed25519 private key is 64 bytes (or a 32-byte seed)", ErrInvalidSecret, len(raw))
	}
}

// decodeBase64Secret accepts padded and unpadded standard base64: secrets are copied by
// hand, and a lost "=" should not cost anyone an afternoon.
func decodeBase64Secret(s string) ([]byte, error) {
	if key, err := base64.StdEncoding.DecodeString(s); err == nil {
		return key, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// isQuoted reports whether s is wrapped in a pair of double or single quotes.
func isQuoted(s string) bool {
	return len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0]
}

func looksLikeSignature(s string) bool {
	return strings.HasPrefix(s, "v1,") || strings.HasPrefix(s, "v1a,")
}

// redact keeps a few leading characters of a secret-like value for error messages.
func redact(s string) string {
	const keep = 6
	if len(s) <= keep {
		return s
	}
	return s[:keep] + "…"
}
