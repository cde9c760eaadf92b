package testkit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// The Standard Webhooks signature computed from its definition, independently of core:
// tests check core, the CLI and the diagnosis against it.

// MAC is HMAC-SHA256 with key over "<id>.<ts>.<body>".
func MAC(key []byte, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return m.Sum(nil)
}

// SignV1 is the webhook-signature entry of a sender that keys HMAC-SHA256 with key.
func SignV1(key []byte, id, ts string, body []byte) string {
	return "v1," + Base64(MAC(key, id, ts, body))
}

// Base64 is padded standard base64, the encoding of signatures and secrets.
func Base64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// Base64URL is padded URL-safe base64, a signer's mistake.
func Base64URL(b []byte) string { return base64.URLEncoding.EncodeToString(b) }

// DecodeBase64 decodes padded standard base64.
func DecodeBase64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// DecodeBase64Raw decodes unpadded standard base64.
func DecodeBase64Raw(s string) ([]byte, error) { return base64.RawStdEncoding.DecodeString(s) }
