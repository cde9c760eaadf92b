package core_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

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

// BenchmarkVerify measures Verify of a valid v1 delivery, on the real clock as in
// production. Compare it with its floors of the same size: BenchmarkHMACSHA256Clock (one
// clock read and one HMAC pass, the least any verifier must do) and BenchmarkHMACSHA256
// (the HMAC pass alone).
func BenchmarkVerify(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			body := benchBody(size.n)
			h := signedHeaders(b, testID, time.Now(), body)
			v := mustVerifier(b, testSecret)
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

// BenchmarkHMACSHA256Clock is the floor under BenchmarkVerify: what any verifier must do,
// as fast as it can be done. One read of the clock (the timestamp's age) and one
// HMAC-SHA256 pass over the signed content, built once outside the loop and hashed in a
// single write, with the HMAC state made once and reset for each message.
func BenchmarkHMACSHA256Clock(b *testing.B) { benchHMAC(b, true) }

// BenchmarkHMACSHA256 is the HMAC pass of BenchmarkHMACSHA256Clock without the clock read.
func BenchmarkHMACSHA256(b *testing.B) { benchHMAC(b, false) }

func benchHMAC(b *testing.B, clock bool) {
	key := hmacKey(b, testSecret)
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			body := benchBody(size.n)
			signedAt := time.Now().Unix()
			content := []byte(testID + "." + itoa(signedAt) + "." + string(body))
			mac := hmac.New(sha256.New, key)
			sum := make([]byte, 0, sha256.Size)
			stale := 0
			b.SetBytes(int64(len(content)))
			b.ReportAllocs()
			for b.Loop() {
				if clock && time.Now().Unix()-signedAt > 300 {
					stale++
				}
				mac.Reset()
				mac.Write(content)
				sum = mac.Sum(sum[:0])
			}
			if len(sum) != sha256.Size || stale != 0 {
				b.Fatal(len(sum), stale)
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
