package core_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

func TestSignerV1RoundTrip(t *testing.T) {
	secret, err := core.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	s := mustSigner(t, secret)
	v := mustVerifier(t, secret, fixedClock(testNow))
	key := hmacKey(t, secret)
	for _, body := range [][]byte{nil, {}, []byte("{}"), testBody(), make([]byte, 100_000)} {
		id := core.NewWebhookID()
		h := s.Headers(id, testNow, body)
		if h.ID != id || h.Timestamp != itoa(testNow.Unix()) {
			t.Fatalf("Headers = %+v", h)
		}
		if !strings.HasPrefix(h.Signature, "v1,") {
			t.Fatalf("Signature = %q, want v1,…", h.Signature)
		}
		if got := s.Sign(id, testNow, body); got != h.Signature {
			t.Errorf("Sign = %q, Headers().Signature = %q", got, h.Signature)
		}
		// An independent HMAC over the same content agrees with the signer.
		if want := signV1(key, id, h.Timestamp, body); h.Signature != want {
			t.Errorf("signer %q, independent HMAC %q", h.Signature, want)
		}
		if err := v.Verify(body, h); err != nil {
			t.Errorf("Verify(%d bytes): %v", len(body), err)
		}
	}
	// Sign uses whole seconds: a timestamp with nanoseconds signs the same.
	if a, b := s.Sign("wh_1", testNow, nil), s.Sign("wh_1", testNow.Add(999*time.Millisecond), nil); a != b {
		t.Errorf("sub-second part changed the signature: %q, %q", a, b)
	}
}

func TestSignerV1aRoundTrip(t *testing.T) {
	ed := newEd25519Keys(t)
	s := mustSigner(t, ed.private)
	body := testBody()
	h := s.Headers(testID, testNow, body)
	if !strings.HasPrefix(h.Signature, "v1a,") {
		t.Fatalf("Signature = %q, want v1a,…", h.Signature)
	}
	// The signature is ed25519 over "<id>.<timestamp>.<body>", checked by hand.
	sig, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h.Signature, "v1a,"))
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(ed.pub, []byte(testID+"."+h.Timestamp+"."+string(body)), sig) {
		t.Error("signature does not verify with crypto/ed25519")
	}
	for _, pub := range []string{ed.public, ed.publicDER} {
		v := mustVerifier(t, pub, fixedClock(testNow))
		if err := v.Verify(body, h); err != nil {
			t.Errorf("Verify with %.12s…: %v", pub, err)
		}
		if err := v.Verify(append(body, ' '), h); !errors.Is(err, core.ErrNoMatchingSignature) {
			t.Errorf("tampered body: %v", err)
		}
	}
	// A whsk_ holding the 32-byte seed signs identically.
	seed := mustSigner(t, "whsk_"+base64.StdEncoding.EncodeToString(ed.priv.Seed()))
	if got := seed.Sign(testID, testNow, body); got != h.Signature {
		t.Errorf("seed signer: %q, want %q", got, h.Signature)
	}
	// Another key pair does not verify it.
	other := newEd25519Keys(t)
	if err := mustVerifier(t, other.public, fixedClock(testNow)).Verify(body, h); !errors.Is(err, core.ErrNoMatchingSignature) {
		t.Errorf("other public key: %v", err)
	}
}

func TestNewSignerRefuses(t *testing.T) {
	ed := newEd25519Keys(t)
	for name, secret := range map[string]string{
		"empty":                    "",
		"whpk_ public key":         ed.public,
		"short whsec_":             "whsec_AAAA",
		"signature":                "v1,AAAA",
		"whsk_ bad base64":         "whsk_!!!",
		"whsk_ of 40 bytes":        "whsk_" + base64.StdEncoding.EncodeToString(make([]byte, 40)),
		"whsec_ not base64 at all": "whsec_##",
	} {
		if s, err := core.NewSigner(secret); !errors.Is(err, core.ErrInvalidSecret) || s != nil {
			t.Errorf("%s: NewSigner = %v, %v; want ErrInvalidSecret", name, s, err)
		}
	}
}

func TestGenerateSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		secret, err := core.GenerateSecret()
		if err != nil {
			t.Fatal(err)
		}
		encoded, ok := strings.CutPrefix(secret, "whsec_")
		if !ok {
			t.Fatalf("%q does not start with whsec_", secret)
		}
		key, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil || len(key) != 32 {
			t.Fatalf("%q: %d bytes, %v; want 32 bytes of padded base64", secret, len(key), err)
		}
		if seen[secret] {
			t.Fatalf("GenerateSecret repeated %q", secret)
		}
		seen[secret] = true
		if _, err := core.NewVerifier(secret); err != nil {
			t.Fatalf("NewVerifier refuses a generated secret: %v", err)
		}
	}
}

func TestNewWebhookID(t *testing.T) {
	shape := regexp.MustCompile(`^wh_[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := core.NewWebhookID()
		if !shape.MatchString(id) {
			t.Fatalf("NewWebhookID() = %q, want wh_ + 32 lower-case hex digits", id)
		}
		if seen[id] {
			t.Fatalf("NewWebhookID repeated %q", id)
		}
		seen[id] = true
	}
}

func TestHeadersRoundTrip(t *testing.T) {
	h := mustSigner(t, testSecret).Headers(testID, testNow, testBody())
	dst := http.Header{}
	dst.Add("Webhook-Id", "stale value") // Set replaces what is there
	dst.Add("webhook-signature", "v1,old")
	dst.Set("Content-Type", "application/json")
	h.Set(dst)
	if got := core.HeadersFrom(dst); got != h {
		t.Fatalf("HeadersFrom(Set) = %+v, want %+v", got, h)
	}
	for _, k := range []string{core.HeaderID, core.HeaderTimestamp, core.HeaderSignature} {
		if n := len(dst.Values(k)); n != 1 {
			t.Errorf("%s has %d values after Set, want 1", k, n)
		}
	}
	if dst.Get("Content-Type") != "application/json" {
		t.Error("Set touched another header")
	}
	// Empty and absent headers read as "".
	if got := core.HeadersFrom(http.Header{}); got != (core.Headers{}) {
		t.Errorf("HeadersFrom(empty) = %+v", got)
	}
	if got := core.HeadersFrom(nil); got != (core.Headers{}) {
		t.Errorf("HeadersFrom(nil) = %+v", got)
	}
	if got := core.HeadersFrom(http.Header{"Webhook-Id": {}, "webhook-id": {"x"}}); got.ID != "" {
		t.Errorf("canonical key with no values: ID = %q, want \"\" as http.Header.Get gives", got.ID)
	}
	// Of several values, the first; of keys differing only in case, always the same one.
	several := http.Header{"Webhook-Id": {"first", "second"}}
	if got := core.HeadersFrom(several); got.ID != "first" {
		t.Errorf("ID = %q, want the first value", got.ID)
	}
	mixed := http.Header{"WEBHOOK-ID": {"upper"}, "webhook-id": {"lower"}, "Webhook-ID": {"mixed"}}
	for range 20 {
		if got := core.HeadersFrom(mixed); got.ID != "upper" {
			t.Fatalf("ID = %q, want the value of the smallest key, every time", got.ID)
		}
	}
}

func TestHeadersFromAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	hdr := http.Header{}
	mustSigner(t, testSecret).Headers(testID, testNow, testBody()).Set(hdr)
	var h core.Headers
	if n := testing.AllocsPerRun(100, func() { h = core.HeadersFrom(hdr) }); n != 0 {
		t.Errorf("HeadersFrom allocates %v times", n)
	}
	if h.ID != testID {
		t.Fatal(h)
	}
}

// VerifyHTTP costs what HeadersFrom and Verify cost: nothing on the heap.
func TestVerifyHTTPAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	body := benchBody(400)
	hdr := http.Header{}
	signedHeaders(t, testID, testNow, body).Set(hdr)
	v := mustVerifier(t, testSecret, fixedClock(testNow))
	var err error
	if n := testing.AllocsPerRun(200, func() { err = v.VerifyHTTP(body, hdr) }); n != 0 {
		t.Errorf("VerifyHTTP allocates %v times per call, want 0", n)
	}
	if err != nil {
		t.Fatal(err)
	}
}
