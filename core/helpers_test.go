package core_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// The secret, id and time of the real OpenAI delivery in testdata/vectors.json; tests
// that need "some valid delivery" sign their own bodies with it.
const (
	testSecret = "whsec_RdvaYFYUXuIFuEbvZHwMfYFhUf7aMYjYcmM24+Aj40c="
	testID     = "wh_685c059ae39c8190af8c71ed1022a24d"
)

var testNow = time.Unix(1750861210, 0)

const testBodyText = `{"id":"evt_685c059ae3a481909bdc86819b066fb6","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_abc123"}}`

func testBody() []byte { return []byte(testBodyText) }

// fixedClock makes the verifier's clock stand still at t.
func fixedClock(t time.Time) core.Option {
	return core.WithClock(func() time.Time { return t })
}

func mustVerifier(tb testing.TB, secret string, opts ...core.Option) *core.Verifier {
	tb.Helper()
	v, err := core.NewVerifier(secret, opts...)
	if err != nil {
		tb.Fatalf("NewVerifier(%q): %v", secret, err)
	}
	return v
}

func mustSigner(tb testing.TB, secret string) *core.Signer {
	tb.Helper()
	s, err := core.NewSigner(secret)
	if err != nil {
		tb.Fatalf("NewSigner: %v", err)
	}
	return s
}

// hmacKey decodes a whsec_ secret by hand, independently of package core.
func hmacKey(tb testing.TB, secret string) []byte {
	tb.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		tb.Fatalf("decode %q: %v", secret, err)
	}
	return key
}

// signV1 is an independent implementation of the v1 scheme: crypto/hmac and base64 only.
func signV1(key []byte, id, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + timestamp + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signedHeaders returns the headers of a v1 delivery of body with testSecret, signed
// independently of package core.
func signedHeaders(tb testing.TB, id string, ts time.Time, body []byte) core.Headers {
	tb.Helper()
	timestamp := itoa(ts.Unix())
	return core.Headers{ID: id, Timestamp: timestamp, Signature: signV1(hmacKey(tb, testSecret), id, timestamp, body)}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
