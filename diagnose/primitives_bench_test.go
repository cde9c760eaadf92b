package diagnose

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/webhookkit/openai-webhooks/internal/jsonstyle"
)

// BenchmarkPrimitives measures what budget.go's cost estimates stand for, at an
// OpenAI-sized body and at the largest WithDiagnosis accepts: an HMAC, an ed25519 check,
// parsing and writing the JSON. Take the minimum of several runs on an idle machine:
//
//	go test -run '^$' -bench Primitives -count 5 ./diagnose
func BenchmarkPrimitives(b *testing.B) {
	var doc bytes.Buffer
	doc.WriteString(`{"type": "response.completed", "data": [`)
	for i := 0; doc.Len() < 64<<10-64; i++ {
		fmt.Fprintf(&doc, `{"z": "é <b> & 😀 %d", "a": [%d, 2.50, null, true]}, `, i, i)
	}
	doc.WriteString(`{}]}`)
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	sig := make([]byte, ed25519.SignatureSize)
	for _, body := range [][]byte{doc.Bytes()[:0], doc.Bytes()} {
		if len(body) == 0 {
			body = []byte(`{"id": "evt_685c059ae3a481909bdc86819b066fb6", "object": "event", "created_at": 1750861210, "type": "response.completed", "data": {"id": "resp_123", "z": "é <b> & 😀", "a": [1, 2.50, null, true, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22]}}`)
		}
		size := fmt.Sprintf("%dB", len(body))
		b.Run("hmac/"+size, func(b *testing.B) {
			for b.Loop() {
				m := hmac.New(sha256.New, []byte("key"))
				m.Write(body)
				m.Sum(nil)
			}
		})
		b.Run("ed25519/"+size, func(b *testing.B) {
			for b.Loop() {
				ed25519.Verify(pub, body, sig)
			}
		})
		b.Run("parse/"+size, func(b *testing.B) {
			for b.Loop() {
				if _, err := jsonstyle.Parse(body); err != nil {
					b.Fatal(err)
				}
			}
		})
		node, err := jsonstyle.Parse(body)
		if err != nil {
			b.Fatal(err)
		}
		slowest := jsonstyle.Style{ItemSep: ",", KeySep: ": ", Indent: "    ", SortKeys: true, ASCIIOnly: true, EscapeHTML: true}
		b.Run("write/"+size, func(b *testing.B) {
			for b.Loop() {
				slowest.Write(node)
			}
		})
	}
}
