package core

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Signer signs deliveries the way OpenAI does: for tests, local tools and senders.
// It is safe for concurrent use.
type Signer struct {
	hmacKey    []byte
	privateKey ed25519.PrivateKey
}

// NewSigner returns a Signer for a whsec_ secret (or its bare base64), which makes v1
// HMAC-SHA256 signatures, or a whsk_ ed25519 private key, which makes v1a signatures.
// It returns an error wrapping ErrInvalidSecret for anything else.
func NewSigner(secret string) (*Signer, error) {
	s := strings.TrimSpace(secret)
	if strings.HasPrefix(s, prefixPrivateKey) {
		key, err := parsePrivateKey(s)
		if err != nil {
			return nil, err
		}
		return &Signer{privateKey: key}, nil
	}
	if strings.HasPrefix(s, prefixPublicKey) {
		return nil, fmt.Errorf("%w: whpk_ is a public key and can only verify; sign with the matching whsk_ private key", ErrInvalidSecret)
	}
	key, err := parseVerifyKey(s)
	if err != nil {
		return nil, err
	}
	return &Signer{hmacKey: key.hmac}, nil
}

// Sign returns the webhook-signature value for a delivery: "v1,<base64>" for an HMAC
// secret, "v1a,<base64>" for an ed25519 key. The timestamp is signed as decimal Unix
// seconds, exactly as Headers writes it.
func (s *Signer) Sign(id string, ts time.Time, body []byte) string {
	return s.sign(id, strconv.FormatInt(ts.Unix(), 10), body)
}

func (s *Signer) sign(id, timestamp string, body []byte) string {
	h := Headers{ID: id, Timestamp: timestamp}
	if s.privateKey != nil {
		msg := AppendSignedContent(make([]byte, 0, len(id)+len(timestamp)+len(body)+2), h, body)
		return "v1a," + base64.StdEncoding.EncodeToString(ed25519.Sign(s.privateKey, msg))
	}
	st := &macState{mac: hmac.New(sha256.New, s.hmacKey)}
	st.writeContent(h, body)
	return "v1," + base64.StdEncoding.EncodeToString(st.mac.Sum(nil))
}

// Headers returns the three headers of a delivery of body, signed, with id and ts.
func (s *Signer) Headers(id string, ts time.Time, body []byte) Headers {
	timestamp := strconv.FormatInt(ts.Unix(), 10)
	return Headers{ID: id, Timestamp: timestamp, Signature: s.sign(id, timestamp, body)}
}

// GenerateSecret returns a new whsec_ secret of 32 random bytes, the size OpenAI uses.
func GenerateSecret() (string, error) {
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return prefixHMAC + base64.StdEncoding.EncodeToString(key[:]), nil
}

// NewWebhookID returns a new delivery id shaped like OpenAI's: "wh_" and 32 hex digits.
func NewWebhookID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return "wh_" + hex.EncodeToString(b[:])
}
