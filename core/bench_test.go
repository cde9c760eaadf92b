package core_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
)

// benchSizes are the body sizes of the benchmarks: a typical OpenAI event (they are thin,
// a few hundred bytes) and the default body limit of the adapters.
var benchSizes = []struct {
	name string
	n    int
}{
	{"400B", 400},
	{"1MiB", 1 << 20},
}

// benchBody returns an event body of exactly n bytes.
func benchBody(n int) []byte {
	const head = `{"id":"evt_685c059ae3a481909bdc86819b066fb6","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_abc123","note":"`
	const tail = `"}}`
	return []byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
}

// BenchmarkVerify measures Verify of a valid v1 delivery. Compare it with
// BenchmarkHMACSHA256 of the same size, the cost of the HMAC alone.
func BenchmarkVerify(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			body := benchBody(size.n)
			h := signedHeaders(b, testID, testNow, body)
			v := mustVerifier(b, testSecret, fixedClock(testNow))
			b.SetBytes(int64(len(h.ID) + 1 + len(h.Timestamp) + 1 + len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := v.Verify(body, h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHMACSHA256 is the floor under BenchmarkVerify: one HMAC-SHA256 over the same
// signed content, with the HMAC state made once and reset for each message.
func BenchmarkHMACSHA256(b *testing.B) {
	key := hmacKey(b, testSecret)
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			body := benchBody(size.n)
			content := []byte(testID + "." + itoa(testNow.Unix()) + "." + string(body))
			mac := hmac.New(sha256.New, key)
			sum := make([]byte, 0, sha256.Size)
			b.SetBytes(int64(len(content)))
			b.ReportAllocs()
			for b.Loop() {
				mac.Reset()
				mac.Write(content)
				sum = mac.Sum(sum[:0])
			}
			if len(sum) != sha256.Size {
				b.Fatal(len(sum))
			}
		})
	}
}

// TestVerifyAllocations checks the promise of Verify: a valid v1 delivery is verified
// without heap allocation (the pooled HMAC state is reused).
func TestVerifyAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops pooled objects at random")
	}
	body := benchBody(400)
	h := signedHeaders(t, testID, testNow, body)
	cases := map[string]core.Headers{
		"one entry": h,
		"valid entry last of several": {ID: h.ID, Timestamp: h.Timestamp,
			Signature: "v1,AAAA v1a,BBBB\tv2,CCCC " + h.Signature},
	}
	rotation, err := core.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	verifiers := map[string]*core.Verifier{
		"one secret":  mustVerifier(t, testSecret, fixedClock(testNow)),
		"two secrets": mustVerifier(t, rotation, core.WithSecret(testSecret), fixedClock(testNow)),
	}
	for vname, v := range verifiers {
		for hname, h := range cases {
			var err error
			allocs := testing.AllocsPerRun(200, func() { err = v.Verify(body, h) })
			if err != nil {
				t.Fatalf("%s, %s: %v", vname, hname, err)
			}
			if allocs != 0 {
				t.Errorf("%s, %s: Verify of a valid 400-byte v1 delivery allocates %v times per run, want 0", vname, hname, allocs)
			}
		}
	}
}
