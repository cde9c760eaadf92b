package diagnose_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
)

// BenchmarkVerifier is the cost of one diagnosis of a 400-byte-class delivery refused
// for its signature: the whole search when nothing matches (a forgery, or another
// secret), and the usual finding, a re-serialised body. WithDiagnosis bounds how often
// a server pays it.
func BenchmarkVerifier(b *testing.B) {
	v, err := core.NewVerifier(realSecret, core.WithClock(func() time.Time { return sentAt }))
	if err != nil {
		b.Fatal(err)
	}
	forged := headers("v1," + base64.StdEncoding.EncodeToString(make([]byte, 32)))
	compact := []byte(`{"id":"evt_685c059ae3a481909bdc86819b066fb6","object":"event","created_at":1750861210,"type":"response.completed","data":{"id":"resp_123"}}`)
	for _, tc := range []struct {
		name string
		d    diagnose.Delivery
		want diagnose.Kind
	}{
		{"no_match", diagnose.Delivery{Body: []byte(realBody), Headers: forged}, diagnose.KindNoMatch},
		{"body_reserialized", diagnose.Delivery{Body: compact, Headers: headers(realSignature)}, diagnose.KindBodyReserialized},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r := diagnose.Verifier(v, tc.d); r.Kind() != tc.want {
					b.Fatalf("Kind %q, want %q", r.Kind(), tc.want)
				}
			}
		})
	}
}

// BenchmarkDiagnoseWorstCase is the cost of one diagnosis at the largest inputs the
// adapters' WithDiagnosis accepts (a 64 KiB body, 32 signature entries), built so that
// every alternative is distinct: the bound docs/diagnosis.md states. The adapters call
// Refused, with the verifier's own error; Verifier verifies the delivery once more
// first, which core pays as it does for the answer.
func BenchmarkDiagnoseWorstCase(b *testing.B) {
	for _, tc := range worstCases() {
		refused := tc.v.Verify(tc.d.Body, tc.d.Headers)
		if refused == nil {
			b.Fatal("a forgery verified")
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r := diagnose.Refused(tc.v, tc.d, refused); r.Kind() != diagnose.KindSearchCutShort {
					b.Fatalf("Kind %q, want %q", r.Kind(), diagnose.KindSearchCutShort)
				}
			}
		})
		b.Run("verifier-"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				diagnose.Verifier(tc.v, tc.d)
			}
		})
	}
}
