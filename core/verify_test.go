package core_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// TestVerifyErrors runs every failure of Verify, each checked with errors.Is on its
// sentinel, beside the valid cases closest to it.
func TestVerifyErrors(t *testing.T) {
	body := testBody()
	good := signedHeaders(t, testID, testNow, body)
	goodSig := good.Signature
	sigOf := func(id, ts string, b []byte) string { return signV1(hmacKey(t, testSecret), id, ts, b) }
	with := func(f func(h *core.Headers)) core.Headers {
		h := good
		f(&h)
		return h
	}
	// A header of exactly n bytes whose first entry is the valid signature.
	sized := func(n int) string {
		s := goodSig + " v2,"
		return s + strings.Repeat("A", n-len(s))
	}
	// n entries, the valid one last.
	entries := func(n int) string {
		parts := make([]string, 0, n)
		for range n - 1 {
			parts = append(parts, "v2,AAAA")
		}
		return strings.Join(append(parts, goodSig), " ")
	}
	ts := good.Timestamp

	tests := []verifyCase{
		{"valid", body, good, nil},

		// Headers missing or empty.
		{"no webhook-id", body, with(func(h *core.Headers) { h.ID = "" }), core.ErrMissingHeader},
		{"no webhook-timestamp", body, with(func(h *core.Headers) { h.Timestamp = "" }), core.ErrMissingHeader},
		{"no webhook-signature", body, with(func(h *core.Headers) { h.Signature = "" }), core.ErrMissingHeader},
		{"no headers at all", body, core.Headers{}, core.ErrMissingHeader},

		// Timestamp text.
		{"timestamp with plus sign", body, with(func(h *core.Headers) { h.Timestamp = "+" + ts; h.Signature = sigOf(h.ID, h.Timestamp, body) }), core.ErrInvalidTimestamp},
		{"timestamp with minus sign", body, with(func(h *core.Headers) { h.Timestamp = "-" + ts; h.Signature = sigOf(h.ID, h.Timestamp, body) }), core.ErrInvalidTimestamp},
		// Space and tab around a value are HTTP's optional white space, not part of it:
		// the value is signed and checked without them, in every adapter alike.
		{"timestamp with leading space", body, with(func(h *core.Headers) { h.Signature = sigOf(h.ID, h.Timestamp, body); h.Timestamp = " " + ts }), nil},
		{"timestamp with trailing tab", body, with(func(h *core.Headers) { h.Signature = sigOf(h.ID, h.Timestamp, body); h.Timestamp = ts + "\t" }), nil},
		{"id and signature wrapped in tabs", body, with(func(h *core.Headers) { h.ID = "\t" + h.ID + " "; h.Signature = "\t" + h.Signature + "\t" }), nil},
		{"timestamp signed with its space", body, with(func(h *core.Headers) { h.Timestamp = " " + ts; h.Signature = sigOf(h.ID, h.Timestamp, body) }), core.ErrNoMatchingSignature},
		{"timestamp with inner space", body, with(func(h *core.Headers) {
			h.Timestamp = ts[:3] + " " + ts[3:]
			h.Signature = sigOf(h.ID, h.Timestamp, body)
		}), core.ErrInvalidTimestamp},
		{"timestamp with letters", body, with(func(h *core.Headers) { h.Timestamp = "17508612l0"; h.Signature = sigOf(h.ID, h.Timestamp, body) }), core.ErrInvalidTimestamp},
		{"timestamp in hex", body, with(func(h *core.Headers) { h.Timestamp = "0x685c059a"; h.Signature = sigOf(h.ID, h.Timestamp, body) }), core.ErrInvalidTimestamp},
		{"timestamp with fraction", body, with(func(h *core.Headers) { h.Timestamp = ts + ".5"; h.Signature = sigOf(h.ID, h.Timestamp, body) }), core.ErrInvalidTimestamp},
		{"timestamp in milliseconds", body, with(func(h *core.Headers) { h.Timestamp = ts + "000"; h.Signature = sigOf(h.ID, h.Timestamp, body) }), core.ErrTimestampTooNew},
		{"timestamp of 18 digits", body, with(func(h *core.Headers) {
			h.Timestamp = "100000000000000000"
			h.Signature = sigOf(h.ID, h.Timestamp, body)
		}), core.ErrTimestampTooNew},
		{"timestamp of 19 digits", body, with(func(h *core.Headers) {
			h.Timestamp = "1000000000000000000"
			h.Signature = sigOf(h.ID, h.Timestamp, body)
		}), core.ErrInvalidTimestamp},
		{"timestamp of 19 digits with leading zeros", body, with(func(h *core.Headers) { h.Timestamp = "000000000" + ts; h.Signature = sigOf(h.ID, h.Timestamp, body) }), core.ErrInvalidTimestamp},
		{"timestamp zero", body, with(func(h *core.Headers) { h.Timestamp = "0"; h.Signature = sigOf(h.ID, h.Timestamp, body) }), core.ErrTimestampTooOld},
		{"timestamp with a leading zero is signed as sent", body, with(func(h *core.Headers) { h.Timestamp = "0" + ts; h.Signature = sigOf(h.ID, h.Timestamp, body) }), nil},
		{"timestamp re-formatted after signing", body, with(func(h *core.Headers) { h.Timestamp = "0" + ts }), core.ErrNoMatchingSignature},

		// Signature header shape.
		{"v1 with nothing after", body, with(func(h *core.Headers) { h.Signature = "v1," }), core.ErrInvalidSignatureHeader},
		{"v1 without comma", body, with(func(h *core.Headers) { h.Signature = "v1" }), core.ErrInvalidSignatureHeader},
		{"comma only", body, with(func(h *core.Headers) { h.Signature = "," }), core.ErrInvalidSignatureHeader},
		{"no version", body, with(func(h *core.Headers) { h.Signature = strings.TrimPrefix(goodSig, "v1") }), core.ErrInvalidSignatureHeader},
		{"signature without version prefix", body, with(func(h *core.Headers) { h.Signature = strings.TrimPrefix(goodSig, "v1,") }), core.ErrInvalidSignatureHeader},
		{"spaces only", body, with(func(h *core.Headers) { h.Signature = "   " }), core.ErrMissingHeader},
		{"tabs only", body, with(func(h *core.Headers) { h.Signature = "\t\t" }), core.ErrMissingHeader},
		{"v1 and v2 with nothing after", body, with(func(h *core.Headers) { h.Signature = "v1, v2," }), core.ErrInvalidSignatureHeader},
		{"v2 with nothing after only", body, with(func(h *core.Headers) { h.Signature = "v2," }), core.ErrInvalidSignatureHeader},
		{"v2 entry only", body, with(func(h *core.Headers) { h.Signature = "v2," + strings.TrimPrefix(goodSig, "v1,") }), core.ErrNoMatchingSignature},
		{"v1a entry only, HMAC verifier", body, with(func(h *core.Headers) { h.Signature = "v1a," + strings.TrimPrefix(goodSig, "v1,") }), core.ErrNoMatchingSignature},
		{"upper-case V1", body, with(func(h *core.Headers) { h.Signature = "V1," + strings.TrimPrefix(goodSig, "v1,") }), core.ErrNoMatchingSignature},
		{"unpadded base64", body, with(func(h *core.Headers) { h.Signature = strings.TrimRight(goodSig, "=") }), core.ErrNoMatchingSignature},
		{"non-canonical base64", body, with(func(h *core.Headers) { h.Signature = nonCanonical(t, goodSig) }), core.ErrNoMatchingSignature},
		{"signature with a line feed inside", body, with(func(h *core.Headers) { h.Signature = goodSig[:10] + "\n" + goodSig[10:] }), core.ErrNoMatchingSignature},
		{"signature with CRLF inside", body, with(func(h *core.Headers) { h.Signature = goodSig[:20] + "\r\n" + goodSig[20:] }), core.ErrNoMatchingSignature},
		{"signature truncated", body, with(func(h *core.Headers) { h.Signature = goodSig[:len(goodSig)-5] + "=" }), core.ErrNoMatchingSignature},
		{"signature with extra bytes", body, with(func(h *core.Headers) { h.Signature = goodSig[:len(goodSig)-1] + "AAAA" }), core.ErrNoMatchingSignature},
		{"signature of 1 KiB", body, with(func(h *core.Headers) { h.Signature = "v1," + strings.Repeat("A", 1024) }), core.ErrNoMatchingSignature},
		{"signature that is not base64", body, with(func(h *core.Headers) { h.Signature = "v1,!!!!" }), core.ErrNoMatchingSignature},
		{"signature of another secret", body, with(func(h *core.Headers) {
			h.Signature = signV1(bytes.Repeat([]byte{7}, 32), h.ID, h.Timestamp, body)
		}), core.ErrNoMatchingSignature},

		// Several signatures, one valid, in any position; unknown versions skipped.
		{"valid first of three", body, with(func(h *core.Headers) { h.Signature = goodSig + " v1,AAAA v2,BBBB" }), nil},
		{"valid middle of three", body, with(func(h *core.Headers) { h.Signature = "v1,AAAA " + goodSig + " v2,BBBB" }), nil},
		{"valid last of three", body, with(func(h *core.Headers) { h.Signature = "v1,AAAA v2,BBBB " + goodSig }), nil},
		{"valid after garbage entries", body, with(func(h *core.Headers) { h.Signature = "garbage v1, v1,!!! " + goodSig }), nil},
		{"valid after unpadded copy", body, with(func(h *core.Headers) { h.Signature = strings.TrimRight(goodSig, "=") + " " + goodSig }), nil},
		{"tab separated", body, with(func(h *core.Headers) { h.Signature = "v2,AAAA\t" + goodSig }), nil},
		{"tab and space separated", body, with(func(h *core.Headers) { h.Signature = "v1,AAAA \t " + goodSig + "\t" }), nil},
		{"leading and trailing spaces", body, with(func(h *core.Headers) { h.Signature = "  " + goodSig + "  " }), nil},
		{"several invalid v1", body, with(func(h *core.Headers) { h.Signature = "v1,AAAA v1,BBBB v1,CCCC" }), core.ErrNoMatchingSignature},

		// Size limits on the signature header.
		{"header of exactly MaxSignatureHeaderBytes", body, with(func(h *core.Headers) { h.Signature = sized(core.MaxSignatureHeaderBytes) }), nil},
		{"header one byte over MaxSignatureHeaderBytes", body, with(func(h *core.Headers) { h.Signature = sized(core.MaxSignatureHeaderBytes + 1) }), core.ErrInvalidSignatureHeader},
		{"header of 1 MiB", body, with(func(h *core.Headers) { h.Signature = strings.Repeat("v1,AAAA ", 1<<17) }), core.ErrInvalidSignatureHeader},
		{"exactly MaxSignatureHeaderEntries entries", body, with(func(h *core.Headers) { h.Signature = entries(core.MaxSignatureHeaderEntries) }), nil},
		{"one entry over MaxSignatureHeaderEntries", body, with(func(h *core.Headers) { h.Signature = entries(core.MaxSignatureHeaderEntries + 1) }), core.ErrInvalidSignatureHeader},
		{"too many entries, valid first", body, with(func(h *core.Headers) {
			h.Signature = goodSig + strings.Repeat(" v", core.MaxSignatureHeaderEntries)
		}), core.ErrInvalidSignatureHeader},

		// Body and id.
		{"other id", body, with(func(h *core.Headers) { h.ID = "wh_other" }), core.ErrNoMatchingSignature},
		{"empty body signed", nil, with(func(h *core.Headers) { h.Signature = sigOf(h.ID, h.Timestamp, nil) }), nil},
		{"empty body, signature of another body", nil, good, core.ErrNoMatchingSignature},
		{"body with trailing newline", append(testBody(), '\n'), good, core.ErrNoMatchingSignature},
		{"body re-serialised", []byte(strings.ReplaceAll(testBodyText, ",", ", ")), good, core.ErrNoMatchingSignature},
	}

	// A delivery whose signature has "+" or "/", sent in URL-safe base64.
	for i := 0; ; i++ {
		b := append(testBody(), bytes.Repeat([]byte{' '}, i)...)
		h := signedHeaders(t, testID, testNow, b)
		if strings.ContainsAny(h.Signature, "+/") {
			u := h
			u.Signature = urlSafe(h.Signature)
			tests = append(tests,
				verifyCase{"standard base64 with + or /", b, h, nil},
				verifyCase{"url-safe base64", b, u, core.ErrNoMatchingSignature})
			break
		}
	}

	v := mustVerifier(t, testSecret, fixedClock(testNow))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := v.Verify(tc.body, tc.h)
			checkErr(t, err, tc.want)
		})
	}
}

type verifyCase struct {
	name string
	body []byte
	h    core.Headers
	want error // nil: must verify
}

func checkErr(t *testing.T, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("error %v, want success", err)
	case want != nil && err == nil:
		t.Fatalf("success, want %v", want)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error %v, want errors.Is %v", err, want)
	case want != nil && err.Error() == want.Error():
		t.Errorf("error %q carries no detail beyond the sentinel", err)
	}
}

func urlSafe(s string) string {
	return strings.NewReplacer("+", "-", "/", "_").Replace(s)
}

// nonCanonical re-encodes a padded "v1,<base64>" signature with a non-zero padding bit:
// it decodes to the same bytes under lenient base64, but is not what any signer produces.
func nonCanonical(t *testing.T, sig string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	trimmed := strings.TrimRight(sig, "=")
	pad := len(sig) - len(trimmed)
	if pad == 0 {
		t.Fatalf("%q has no padding", sig)
	}
	last := strings.IndexByte(alphabet, trimmed[len(trimmed)-1])
	if last < 0 || last&1 != 0 {
		t.Fatalf("%q: unexpected last character", sig)
	}
	return trimmed[:len(trimmed)-1] + string(alphabet[last|1]) + sig[len(trimmed):]
}

// TestVerifyTolerance checks the edges of the tolerance window in both directions:
// exactly at the limit is accepted, one second past is rejected.
func TestVerifyTolerance(t *testing.T) {
	body := testBody()
	h := signedHeaders(t, testID, testNow, body)
	for _, tol := range []time.Duration{core.DefaultTolerance, 10 * time.Second, time.Second, 72 * time.Hour} {
		tests := []struct {
			name string
			now  time.Time
			want error
		}{
			{"at the timestamp", testNow, nil},
			{"old, exactly at the limit", testNow.Add(tol), nil},
			{"old, one second past", testNow.Add(tol + time.Second), core.ErrTimestampTooOld},
			{"old, one nanosecond past", testNow.Add(tol + time.Nanosecond), core.ErrTimestampTooOld},
			{"new, exactly at the limit", testNow.Add(-tol), nil},
			{"new, one second past", testNow.Add(-tol - time.Second), core.ErrTimestampTooNew},
			{"new, one nanosecond past", testNow.Add(-tol - time.Nanosecond), core.ErrTimestampTooNew},
			{"a year old", testNow.AddDate(-1, 0, 0).Add(-tol), core.ErrTimestampTooNew},
			{"a year later", testNow.AddDate(1, 0, 0).Add(tol), core.ErrTimestampTooOld},
		}
		opts := []core.Option{core.WithTolerance(tol)}
		if tol == core.DefaultTolerance {
			opts = nil // the default
		}
		for _, tc := range tests {
			t.Run(tol.String()+"/"+tc.name, func(t *testing.T) {
				v := mustVerifier(t, testSecret, append(opts, fixedClock(tc.now))...)
				if v.Tolerance() != tol {
					t.Fatalf("Tolerance() = %v, want %v", v.Tolerance(), tol)
				}
				checkErr(t, v.Verify(body, h), tc.want)
			})
		}
	}
}

func TestWithToleranceUnderOneSecond(t *testing.T) {
	for _, d := range []time.Duration{-time.Second, 0, time.Millisecond, time.Second - 1} {
		_, err := core.NewVerifier(testSecret, core.WithTolerance(d))
		if !errors.Is(err, core.ErrInvalidOption) {
			t.Fatalf("NewVerifier with tolerance %v: %v, want ErrInvalidOption", d, err)
		}
		if !strings.Contains(err.Error(), "WithClock") {
			t.Errorf("tolerance %v: the error %q does not say how to check a recorded delivery", d, err)
		}
	}
}

func TestVerifyEmptyBodyDiagnosis(t *testing.T) {
	v := mustVerifier(t, testSecret, fixedClock(testNow))
	h := signedHeaders(t, testID, testNow, testBody())
	err := v.Verify(nil, h)
	if !errors.Is(err, core.ErrNoMatchingSignature) || !strings.Contains(err.Error(), "the body is empty (0 bytes): did a middleware before this one read it?") {
		t.Fatalf("Verify(empty body) = %v, want ErrNoMatchingSignature naming the empty body", err)
	}
}

func TestVerifyIgnoringTimestamp(t *testing.T) {
	body := testBody()
	h := signedHeaders(t, testID, testNow, body)
	v := mustVerifier(t, testSecret, fixedClock(testNow.AddDate(0, 0, 3)))
	if err := v.Verify(body, h); !errors.Is(err, core.ErrTimestampTooOld) {
		t.Fatalf("Verify three days later = %v, want ErrTimestampTooOld", err)
	}
	if err := v.VerifyIgnoringTimestamp(body, h); err != nil {
		t.Fatalf("VerifyIgnoringTimestamp three days later = %v, want nil", err)
	}
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-2] ^= 1
	checkErr(t, v.VerifyIgnoringTimestamp(tampered, h), core.ErrNoMatchingSignature)
	bad := h
	bad.Timestamp = "soon"
	checkErr(t, v.VerifyIgnoringTimestamp(body, bad), core.ErrInvalidTimestamp)
	bad = h
	bad.ID = ""
	checkErr(t, v.VerifyIgnoringTimestamp(body, bad), core.ErrMissingHeader)

	e, err := v.UnwrapIgnoringTimestamp(body, h)
	if err != nil {
		t.Fatalf("UnwrapIgnoringTimestamp: %v", err)
	}
	if e.Headers != h || e.WebhookID != h.ID || !e.Timestamp.Equal(testNow.Truncate(time.Second)) {
		t.Fatalf("UnwrapIgnoringTimestamp: headers %+v, id %q, timestamp %v; want %+v", e.Headers, e.WebhookID, e.Timestamp, h)
	}
}

func TestUnwrapKeepsTrimmedHeaders(t *testing.T) {
	body := testBody()
	h := signedHeaders(t, testID, testNow, body)
	sent := core.Headers{ID: " " + h.ID, Timestamp: h.Timestamp + "\t", Signature: "\t" + h.Signature}
	e, err := mustVerifier(t, testSecret, fixedClock(testNow)).Unwrap(body, sent)
	if err != nil {
		t.Fatalf("Unwrap: %v", err)
	}
	if e.Headers != h || e.WebhookID != h.ID {
		t.Fatalf("Unwrap kept headers %+v and id %q, want %+v", e.Headers, e.WebhookID, h)
	}
}

// TestVerifyClock checks that the injected clock, not time.Now, decides, and that it is
// read on every call.
func TestVerifyClock(t *testing.T) {
	body := testBody()
	h := signedHeaders(t, testID, testNow, body)
	now := testNow
	calls := 0
	v := mustVerifier(t, testSecret, core.WithClock(func() time.Time { calls++; return now }))
	if err := v.Verify(body, h); err != nil {
		t.Fatalf("at the timestamp: %v", err)
	}
	now = now.Add(core.DefaultTolerance + time.Second)
	if err := v.Verify(body, h); !errors.Is(err, core.ErrTimestampTooOld) {
		t.Fatalf("after the clock moved on: %v, want ErrTimestampTooOld", err)
	}
	if calls != 2 {
		t.Errorf("clock read %d times for 2 verifications", calls)
	}

	// WithClock(nil) keeps the real clock: a delivery of 2025 is stale today.
	v = mustVerifier(t, testSecret, core.WithClock(nil))
	if err := v.Verify(body, h); !errors.Is(err, core.ErrTimestampTooOld) {
		t.Fatalf("real clock: %v, want ErrTimestampTooOld", err)
	}
	fresh := signedHeaders(t, testID, time.Now(), body)
	if err := v.Verify(body, fresh); err != nil {
		t.Fatalf("real clock, fresh delivery: %v", err)
	}
}

// TestVerifyRotation checks WithSecret: during a rotation deliveries signed with the old
// and with the new secret both verify, and nothing else does.
func TestVerifyRotation(t *testing.T) {
	oldSecret := testSecret
	newSecret, err := core.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	third, err := core.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	body := testBody()
	v := mustVerifier(t, oldSecret, core.WithSecret(newSecret), fixedClock(testNow))
	for name, secret := range map[string]string{"old": oldSecret, "new": newSecret} {
		h := mustSigner(t, secret).Headers(testID, testNow, body)
		if err := v.Verify(body, h); err != nil {
			t.Errorf("signed with the %s secret: %v", name, err)
		}
	}
	h := mustSigner(t, third).Headers(testID, testNow, body)
	if err := v.Verify(body, h); !errors.Is(err, core.ErrNoMatchingSignature) {
		t.Errorf("signed with an unrelated secret: %v, want ErrNoMatchingSignature", err)
	}
	// OpenAI may sign with both secrets during a rotation: one header, two entries.
	both := mustSigner(t, third).Sign(testID, testNow, body) + " " + mustSigner(t, newSecret).Sign(testID, testNow, body)
	h.Signature = both
	if err := v.Verify(body, h); err != nil {
		t.Errorf("two entries, the second with the new secret: %v", err)
	}
	// An invalid extra secret is refused, and the error says which.
	_, err = core.NewVerifier(oldSecret, core.WithSecret("whsec_short"))
	if !errors.Is(err, core.ErrInvalidSecret) || !strings.Contains(err.Error(), "secret 2") {
		t.Errorf("invalid WithSecret: %v, want ErrInvalidSecret naming secret 2", err)
	}
}

// TestVerifyV1AndV1a checks a verifier holding a whsec_ secret and a whpk_ key at once.
func TestVerifyV1AndV1a(t *testing.T) {
	ed := newEd25519Keys(t)
	body := testBody()
	v := mustVerifier(t, testSecret, core.WithSecret(ed.public), fixedClock(testNow))
	v1 := mustSigner(t, testSecret).Headers(testID, testNow, body)
	v1a := mustSigner(t, ed.private).Headers(testID, testNow, body)
	for name, h := range map[string]core.Headers{
		"v1 only":        v1,
		"v1a only":       v1a,
		"v1a then v1":    {ID: testID, Timestamp: v1.Timestamp, Signature: v1a.Signature + " " + v1.Signature},
		"bad v1, v1a":    {ID: testID, Timestamp: v1.Timestamp, Signature: "v1,AAAA " + v1a.Signature},
		"v1, bad v1a":    {ID: testID, Timestamp: v1.Timestamp, Signature: "v1a,AAAA " + v1.Signature},
		"v1a tab v2 tab": {ID: testID, Timestamp: v1.Timestamp, Signature: "v2,AAAA\t" + v1a.Signature + "\t"},
	} {
		if err := v.Verify(body, h); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	tampered := append(testBody(), ' ')
	for name, h := range map[string]core.Headers{"v1": v1, "v1a": v1a} {
		if err := v.Verify(tampered, h); !errors.Is(err, core.ErrNoMatchingSignature) {
			t.Errorf("%s, tampered body: %v, want ErrNoMatchingSignature", name, err)
		}
	}
	// A v1a signature presented as v1, and the reverse, do not verify.
	swapped := core.Headers{ID: testID, Timestamp: v1.Timestamp, Signature: "v1," + strings.TrimPrefix(v1a.Signature, "v1a,")}
	if err := v.Verify(body, swapped); !errors.Is(err, core.ErrNoMatchingSignature) {
		t.Errorf("v1a signature labelled v1: %v", err)
	}
	swapped.Signature = "v1a," + strings.TrimPrefix(v1.Signature, "v1,")
	if err := v.Verify(body, swapped); !errors.Is(err, core.ErrNoMatchingSignature) {
		t.Errorf("v1 signature labelled v1a: %v", err)
	}
	// v1a entries of the right length that are not base64, or not canonical, are skipped.
	sig := strings.TrimPrefix(v1a.Signature, "v1a,")
	for name, bad := range map[string]string{
		"not base64":    "v1a," + strings.Repeat("!", len(sig)),
		"line break":    "v1a," + sig[:40] + "\n" + sig[41:],
		"non-canonical": "v1a," + nonCanonical(t, sig),
		"unpadded":      "v1a," + strings.TrimRight(sig, "="),
	} {
		h := core.Headers{ID: testID, Timestamp: v1a.Timestamp, Signature: bad}
		if err := v.Verify(body, h); !errors.Is(err, core.ErrNoMatchingSignature) {
			t.Errorf("v1a %s: %v, want ErrNoMatchingSignature", name, err)
		}
		h.Signature = bad + " " + v1a.Signature
		if err := v.Verify(body, h); err != nil {
			t.Errorf("v1a %s, then the valid entry: %v", name, err)
		}
	}
	// A v1a delivery of 1 MiB and more, verified twice (the message buffer is pooled).
	for _, n := range []int{1 << 20, 1<<20 + 1} {
		big := bytes.Repeat([]byte("b"), n)
		hb := mustSigner(t, ed.private).Headers(testID, testNow, big)
		for range 2 {
			if err := v.Verify(big, hb); err != nil {
				t.Errorf("v1a, %d-byte body: %v", n, err)
			}
		}
		if err := v.Verify(big[1:], hb); !errors.Is(err, core.ErrNoMatchingSignature) {
			t.Errorf("v1a, %d-byte body less one byte: %v", n, err)
		}
	}
	// A verifier with only the public key rejects a v1 delivery.
	pubOnly := mustVerifier(t, ed.public, fixedClock(testNow))
	if err := pubOnly.Verify(body, v1); !errors.Is(err, core.ErrNoMatchingSignature) {
		t.Errorf("whpk_ verifier, v1 delivery: %v", err)
	}
	if err := pubOnly.Verify(body, v1a); err != nil {
		t.Errorf("whpk_ verifier, v1a delivery: %v", err)
	}
}

// TestVerifyLargeBody verifies a 1 MiB body, then the same body with one byte changed at
// the start, the middle and the end.
func TestVerifyLargeBody(t *testing.T) {
	body := make([]byte, 1<<20)
	if _, err := rand.Read(body); err != nil {
		t.Fatal(err)
	}
	h := signedHeaders(t, testID, testNow, body)
	v := mustVerifier(t, testSecret, fixedClock(testNow))
	if err := v.Verify(body, h); err != nil {
		t.Fatalf("1 MiB body: %v", err)
	}
	for _, i := range []int{0, len(body) / 2, len(body) - 1} {
		changed := bytes.Clone(body)
		changed[i] ^= 0x01
		if err := v.Verify(changed, h); !errors.Is(err, core.ErrNoMatchingSignature) {
			t.Errorf("byte %d changed: %v, want ErrNoMatchingSignature", i, err)
		}
	}
	if err := v.Verify(body[:len(body)-1], h); !errors.Is(err, core.ErrNoMatchingSignature) {
		t.Errorf("last byte dropped: %v", err)
	}
}

// TestVerifyOneByteChanged changes each byte of a small delivery in turn.
func TestVerifyOneByteChanged(t *testing.T) {
	body := testBody()
	h := signedHeaders(t, testID, testNow, body)
	v := mustVerifier(t, testSecret, fixedClock(testNow))
	for i := range body {
		changed := bytes.Clone(body)
		changed[i]++
		if err := v.Verify(changed, h); !errors.Is(err, core.ErrNoMatchingSignature) {
			t.Fatalf("byte %d changed: %v, want ErrNoMatchingSignature", i, err)
		}
	}
}

// TestVerifyHeadersAnyCase reads the headers through HeadersFrom, whatever their case.
func TestVerifyHeadersAnyCase(t *testing.T) {
	body := testBody()
	h := signedHeaders(t, testID, testNow, body)
	v := mustVerifier(t, testSecret, fixedClock(testNow))
	cases := map[string][3]string{
		"lower":     {"webhook-id", "webhook-timestamp", "webhook-signature"},
		"canonical": {"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"},
		"upper":     {"WEBHOOK-ID", "WEBHOOK-TIMESTAMP", "WEBHOOK-SIGNATURE"},
		"mixed":     {"wEbHoOk-iD", "WebHook-TimeStamp", "webhook-SIGNATURE"},
	}
	for name, keys := range cases {
		t.Run(name+"/Set", func(t *testing.T) {
			hdr := http.Header{}
			hdr.Set(keys[0], h.ID)
			hdr.Set(keys[1], h.Timestamp)
			hdr.Set(keys[2], h.Signature)
			if err := v.Verify(body, core.HeadersFrom(hdr)); err != nil {
				t.Fatal(err)
			}
		})
		t.Run(name+"/literal", func(t *testing.T) {
			// As a map literal, the keys stay in the case written: some frameworks and
			// hand-built requests produce such headers.
			hdr := http.Header{keys[0]: {h.ID}, keys[1]: {h.Timestamp}, keys[2]: {h.Signature}}
			got := core.HeadersFrom(hdr)
			if got != h {
				t.Fatalf("HeadersFrom = %+v, want %+v", got, h)
			}
			if err := v.Verify(body, got); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestVerifyDoesNotModify checks that Verify leaves the caller's body and headers as they
// were, on success and on every kind of failure, for v1 and v1a.
func TestVerifyDoesNotModify(t *testing.T) {
	ed := newEd25519Keys(t)
	v := mustVerifier(t, testSecret, core.WithSecret(ed.public), fixedClock(testNow))
	body := testBody()
	v1 := signedHeaders(t, testID, testNow, body)
	v1a := mustSigner(t, ed.private).Headers(testID, testNow, body)
	cases := map[string]core.Headers{
		"v1":        v1,
		"v1a":       v1a,
		"both":      {ID: testID, Timestamp: v1.Timestamp, Signature: "v1,AAAA " + v1a.Signature + "\t" + v1.Signature},
		"forged":    {ID: testID, Timestamp: v1.Timestamp, Signature: "v1,AAAA v1a,BBBB"},
		"stale":     {ID: testID, Timestamp: "1", Signature: v1.Signature},
		"malformed": {ID: testID, Timestamp: v1.Timestamp, Signature: "v1,"},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			b := bytes.Clone(body)
			// Header strings built at run time, so any write through them would show.
			hc := core.Headers{ID: string([]byte(h.ID)), Timestamp: string([]byte(h.Timestamp)), Signature: string([]byte(h.Signature))}
			_ = v.Verify(b, hc)
			_, _ = v.Unwrap(b, hc)
			if !bytes.Equal(b, body) {
				t.Errorf("body modified: %q", b)
			}
			if hc != h {
				t.Errorf("headers modified: %+v, want %+v", hc, h)
			}
		})
	}
}

// TestVerifyConcurrent shares one verifier between goroutines (run with -race).
func TestVerifyConcurrent(t *testing.T) {
	ed := newEd25519Keys(t)
	v := mustVerifier(t, testSecret, core.WithSecret(ed.public), fixedClock(testNow))
	body := testBody()
	v1 := signedHeaders(t, testID, testNow, body)
	v1a := mustSigner(t, ed.private).Headers(testID, testNow, body)
	done := make(chan error)
	for g := range 8 {
		go func() {
			var err error
			for i := range 200 {
				h := v1
				if (g+i)%2 == 1 {
					h = v1a
				}
				if err = v.Verify(body, h); err != nil {
					break
				}
				if i%10 == 0 {
					if v.Verify(body[1:], h) == nil {
						err = errors.New("tampered body verified")
						break
					}
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestVerifyIDLengths verifies deliveries with ids of every length up to 300 bytes, on
// both sides of the point where Verify stops joining id and timestamp before hashing.
func TestVerifyIDLengths(t *testing.T) {
	body := testBody()
	v := mustVerifier(t, testSecret, fixedClock(testNow))
	for n := 1; n <= 300; n++ {
		id := strings.Repeat("i", n)
		h := signedHeaders(t, id, testNow, body)
		if err := v.Verify(body, h); err != nil {
			t.Fatalf("id of %d bytes: %v", n, err)
		}
		h.ID = id[:n-1] + "j"
		if err := v.Verify(body, h); !errors.Is(err, core.ErrNoMatchingSignature) {
			t.Fatalf("id of %d bytes, last byte changed: %v", n, err)
		}
	}
}

// A millisecond timestamp read as seconds is ~50 000 years ahead: the error must say so
// in seconds instead of overflowing a time.Duration.
func TestTimestampCenturiesAwayIsDescribedInSeconds(t *testing.T) {
	now := time.Unix(1750861210, 0)
	v, err := core.NewVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", core.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	h := core.Headers{ID: "wh_1", Timestamp: "1750861210000", Signature: "v1,AAAA"}
	err = v.Verify([]byte("{}"), h)
	if !errors.Is(err, core.ErrTimestampTooNew) || !strings.Contains(err.Error(), "milliseconds") || strings.Contains(err.Error(), "2562047h") {
		t.Fatalf("got %v, want ErrTimestampTooNew in seconds mentioning milliseconds", err)
	}
}

// VerifyHTTP and UnwrapHTTP read the headers from an http.Header, in any letter case,
// and give exactly what Verify and Unwrap give for the same headers.
func TestVerifyHTTP(t *testing.T) {
	body := testBody()
	h := signedHeaders(t, testID, testNow, body)
	v := mustVerifier(t, testSecret, fixedClock(testNow))

	canonical := http.Header{}
	h.Set(canonical)
	lower := http.Header{"webhook-id": {h.ID}, "WEBHOOK-TIMESTAMP": {h.Timestamp}, "webhook-signature": {h.Signature}}
	for name, hdr := range map[string]http.Header{"canonical": canonical, "other case": lower} {
		if err := v.VerifyHTTP(body, hdr); err != nil {
			t.Errorf("%s: VerifyHTTP = %v", name, err)
		}
		e, err := v.UnwrapHTTP(body, hdr)
		if err != nil || e.WebhookID != testID || e.Type != core.BatchCompleted || e.Headers != h {
			t.Errorf("%s: UnwrapHTTP = %+v, %v", name, e, err)
		}
	}

	missing := canonical.Clone()
	missing.Del(core.HeaderSignature)
	if err := v.VerifyHTTP(body, missing); !errors.Is(err, core.ErrMissingHeader) || !strings.Contains(err.Error(), core.HeaderSignature) {
		t.Errorf("without webhook-signature: %v", err)
	}
	if _, err := v.UnwrapHTTP(body, missing); !errors.Is(err, core.ErrMissingHeader) {
		t.Errorf("UnwrapHTTP without webhook-signature: %v", err)
	}
	if err := v.VerifyHTTP(append([]byte(" "), body...), canonical); !errors.Is(err, core.ErrNoMatchingSignature) {
		t.Errorf("changed body: %v", err)
	}
	if err := v.VerifyHTTP(body, nil); !errors.Is(err, core.ErrMissingHeader) {
		t.Errorf("nil header: %v", err)
	}
}

// The zero Option changes nothing.
func TestZeroOption(t *testing.T) {
	v, err := core.NewVerifier(testSecret, core.Option{})
	if err != nil || v.Tolerance() != core.DefaultTolerance {
		t.Fatalf("NewVerifier with a zero Option: %v, %v", v, err)
	}
}
