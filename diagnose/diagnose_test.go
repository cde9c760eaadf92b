package diagnose_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// A real OpenAI delivery (testdata/vectors.json).
const (
	realSecret    = "whsec_RdvaYFYUXuIFuEbvZHwMfYFhUf7aMYjYcmM24+Aj40c="
	realID        = "wh_685c059ae39c8190af8c71ed1022a24d"
	realTimestamp = "1750861210"
	realBody      = `{"id": "evt_685c059ae3a481909bdc86819b066fb6", "object": "event", "created_at": 1750861210, "type": "response.completed", "data": {"id": "resp_123"}}`
	realSignature = "v1,gUAg4R2hWouRZqRQG4uJypNS8YK885G838+EHb4nKBY="
)

var sentAt = time.Unix(1750861210, 0)

// mac signs like a sender that keys HMAC-SHA256 with key: independent of core.
func mac(key []byte, id, ts string, body []byte) []byte { return testkit.MAC(key, id, ts, body) }

func realKey(t *testing.T) []byte {
	t.Helper()
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(realSecret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func headers(sig string) core.Headers {
	return core.Headers{ID: realID, Timestamp: realTimestamp, Signature: sig}
}

func TestKinds(t *testing.T) {
	key := realKey(t)
	body := []byte(realBody)
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		t.Fatal(err)
	}
	sig := func(k []byte, ts string, b []byte) string {
		return "v1," + base64.StdEncoding.EncodeToString(mac(k, realID, ts, b))
	}
	cases := []struct {
		name   string
		secret string
		body   []byte
		h      core.Headers
		now    time.Time
		want   diagnose.Kind
		failed string
	}{
		{"genuine", realSecret, body, headers(realSignature), sentAt, diagnose.KindNone, ""},
		{"re-serialised compact", realSecret, compact.Bytes(), headers(realSignature), sentAt, diagnose.KindBodyReserialized, diagnose.CheckSignature},
		{"newline added", realSecret, append([]byte(realBody), '\n'), headers(realSignature), sentAt, diagnose.KindBodyNewline, diagnose.CheckSignature},
		{"CRLF", realSecret, []byte(strings.ReplaceAll(realBody, ", ", ",\r\n")), headers(sig(key, realTimestamp, []byte(strings.ReplaceAll(realBody, ", ", ",\n")))), sentAt, diagnose.KindLineEndings, diagnose.CheckSignature},
		{"BOM", realSecret, append([]byte("\xef\xbb\xbf"), body...), headers(realSignature), sentAt, diagnose.KindBOM, diagnose.CheckSignature},
		{"secret as text", realSecret, body, headers(sig([]byte(realSecret), realTimestamp, body)), sentAt, diagnose.KindSecretAsText, diagnose.CheckSignature},
		{"quoted secret", `"` + realSecret + `"`, body, headers(realSignature), sentAt, diagnose.KindInvalidSecret, diagnose.CheckSecret},
		{"clock ahead", realSecret, body, headers(realSignature), sentAt.Add(10 * time.Minute), diagnose.KindClockSkew, diagnose.CheckTimestamp},
		{"replayed", realSecret, body, headers(realSignature), sentAt.Add(48 * time.Hour), diagnose.KindReplayed, diagnose.CheckTimestamp},
		{"milliseconds", realSecret, body, core.Headers{ID: realID, Timestamp: realTimestamp + "000", Signature: realSignature}, sentAt, diagnose.KindTimestampUnit, diagnose.CheckTimestamp},
		{"hex signature", realSecret, body, headers("v1," + hex.EncodeToString(mac(key, realID, realTimestamp, body))), sentAt, diagnose.KindSignatureEncoding, diagnose.CheckSignature},
		{"no v1 prefix", realSecret, body, headers(strings.TrimPrefix(realSignature, "v1,")), sentAt, diagnose.KindSignatureFormat, diagnose.CheckSignature},
		{"another secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", body, headers(realSignature), sentAt, diagnose.KindNoMatch, diagnose.CheckSignature},
		{"empty body", realSecret, nil, headers(realSignature), sentAt, diagnose.KindEmptyBody, diagnose.CheckSignature},
		{"missing header", realSecret, body, core.Headers{ID: realID, Signature: realSignature}, sentAt, diagnose.KindMissingHeader, diagnose.CheckHeaders},
		{"not an event", realSecret, []byte(`{"a": 1}`), headers(sig(key, realTimestamp, []byte(`{"a": 1}`))), sentAt, diagnose.KindMalformedEvent, diagnose.CheckEvent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := diagnose.Secret(tc.secret, diagnose.Delivery{Body: tc.body, Headers: tc.h}, diagnose.At(tc.now))
			if r.Kind() != tc.want {
				t.Errorf("Kind = %q, want %q; causes %v", r.Kind(), tc.want, r.Causes)
			}
			failed, ok := r.FirstFailure()
			if failed.Name != tc.failed || ok != (tc.failed != "") {
				t.Errorf("first failure %q, want %q", failed.Name, tc.failed)
			}
			if r.OK() != (tc.want == diagnose.KindNone) {
				t.Errorf("OK() = %v with Err %v", r.OK(), r.Err)
			}
			if len(r.Checks) != 5 {
				t.Errorf("%d checks, want 5", len(r.Checks))
			}
		})
	}
}

// The verdict is core's: the same error Unwrap returns, at the same clock.
func TestVerdictIsCore(t *testing.T) {
	v, err := core.NewVerifier(realSecret, core.WithClock(func() time.Time { return sentAt.Add(time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	r := diagnose.Verifier(v, diagnose.Delivery{Body: []byte(realBody), Headers: headers(realSignature)})
	_, want := v.Unwrap([]byte(realBody), headers(realSignature))
	if !errors.Is(r.Err, core.ErrTimestampTooOld) || r.Err.Error() != want.Error() {
		t.Errorf("Err = %v, want %v", r.Err, want)
	}
	if r.Kind() != diagnose.KindClockSkew || !strings.HasPrefix(r.Causes[0].Text, "The signature is valid, but") {
		t.Errorf("causes %v", r.Causes)
	}
}

// A server's report never quotes the key, the secret, a signature or the body, whatever
// the mistake.
func TestVerifierReportHoldsNoSecret(t *testing.T) {
	key := realKey(t)
	body := []byte(realBody)
	v, err := core.NewVerifier(realSecret, core.WithClock(func() time.Time { return sentAt }))
	if err != nil {
		t.Fatal(err)
	}
	secretB64 := strings.TrimPrefix(realSecret, "whsec_")
	for _, sig := range []string{
		realSignature,
		"v1," + base64.StdEncoding.EncodeToString(mac([]byte(realSecret), realID, realTimestamp, body)),
		"v1," + base64.StdEncoding.EncodeToString(mac(key, realID, realTimestamp, []byte("other"))),
		"v1,not-base64-at-all-but-long-enough-to-matter",
	} {
		for _, b := range [][]byte{body, append(bytes.Clone(body), '\n'), []byte(`{"secret-ish": "payload"}`)} {
			r := diagnose.Verifier(v, diagnose.Delivery{Body: b, Headers: headers(sig)})
			var all []string
			for _, c := range r.Checks {
				all = append(all, c.Detail)
			}
			for _, c := range r.Causes {
				all = append(all, c.Text)
			}
			text := strings.Join(all, "\n")
			sigText := strings.TrimPrefix(sig, "v1,")
			for _, leak := range []string{secretB64[:8], "whsec_Rdva", sigText[:12], string(b[:min(len(b), 20)])} {
				if strings.Contains(text, leak) {
					t.Errorf("the report quotes %q:\n%s", leak, text)
				}
			}
		}
	}
}

// A verifier configured with the base64 of the secret's text (encoded once too often)
// is told apart: its key is the text of the real secret.
func TestSecretEncodedTwice(t *testing.T) {
	doubled := base64.StdEncoding.EncodeToString([]byte(realSecret))
	v, err := core.NewVerifier(doubled, core.WithClock(func() time.Time { return sentAt }))
	if err != nil {
		t.Fatal(err)
	}
	r := diagnose.Verifier(v, diagnose.Delivery{Body: []byte(realBody), Headers: headers(realSignature)})
	if r.Kind() != diagnose.KindSecretEncodedTwice {
		t.Fatalf("Kind = %q; causes %v", r.Kind(), r.Causes)
	}
}

// With a rotation, the diagnosis tries every key of the verifier.
func TestSeveralKeys(t *testing.T) {
	v, err := core.NewVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", core.WithSecret(realSecret), core.WithClock(func() time.Time { return sentAt }))
	if err != nil {
		t.Fatal(err)
	}
	r := diagnose.Verifier(v, diagnose.Delivery{Body: append([]byte(realBody), '\n'), Headers: headers(realSignature)})
	if r.Kind() != diagnose.KindBodyNewline {
		t.Fatalf("Kind = %q; causes %v", r.Kind(), r.Causes)
	}
	if !strings.Contains(r.Checks[1].Detail, "2 keys") {
		t.Errorf("secret check %q", r.Checks[1].Detail)
	}
}
