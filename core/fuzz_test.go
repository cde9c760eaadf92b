package core_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// fuzzKey is a fixed ed25519 key, so that v1a seeds stay valid between runs.
var fuzzKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x5a}, ed25519.SeedSize))

func fuzzVerifier(tb testing.TB) *core.Verifier {
	pub := "whpk_" + base64.StdEncoding.EncodeToString(fuzzKey.Public().(ed25519.PublicKey))
	return mustVerifier(tb, testSecret, core.WithSecret(pub), fixedClock(testNow))
}

var verifySentinels = []error{
	core.ErrMissingHeader, core.ErrInvalidTimestamp, core.ErrTimestampTooOld, core.ErrTimestampTooNew,
	core.ErrInvalidSignatureHeader, core.ErrNoMatchingSignature,
}

// FuzzVerify feeds Verify random bodies and headers. It must never panic, never modify
// its input, fail only with one of its sentinels, and succeed exactly when an
// independent implementation (crypto/hmac, crypto/ed25519, strconv) says the delivery is
// genuine: made with the key, fresh, and within the header limits.
func FuzzVerify(f *testing.F) {
	key := hmacKey(f, testSecret)
	ts := itoa(testNow.Unix())
	v1 := func(id, ts string, body []byte) string { return signV1(key, id, ts, body) }
	v1a := func(id, ts string, body []byte) string {
		return "v1a," + base64.StdEncoding.EncodeToString(ed25519.Sign(fuzzKey, []byte(id+"."+ts+"."+string(body))))
	}
	body := testBody()
	seed := func(body []byte, id, ts, sig string) { f.Add(body, id, ts, sig) }
	seed(body, testID, ts, v1(testID, ts, body))
	seed(body, testID, ts, v1a(testID, ts, body))
	seed(body, testID, ts, v1(testID, ts, body)+" "+v1a(testID, ts, body))
	seed(body, testID, ts, "v1,AAAA\t"+v1(testID, ts, body)+" v2,BBBB")
	seed(nil, "x", ts, v1("x", ts, nil))
	seed([]byte("a"), "msg_1", "1750861000", v1("msg_1", "1750861000", []byte("a")))
	seed([]byte(`{"id":"evt_1","type":"x.y"}`), testID, ts, v1(testID, ts, []byte(`{"id":"evt_1","type":"x.y"}`)))
	seed(body, testID, "0"+ts, v1(testID, "0"+ts, body))
	seed(body, testID, ts, strings.TrimRight(v1(testID, ts, body), "="))
	seed(body, testID, ts, "v1,")
	seed(body, testID, ts, "v2,"+strings.TrimPrefix(v1(testID, ts, body), "v1,"))
	seed(body, testID, "+"+ts, v1(testID, "+"+ts, body))
	seed(body, testID, "1", v1(testID, "1", body))
	seed(body, testID, "99999999999999999999", "v1,AAAA")
	seed(body, "", "", "")
	seed(body, testID, ts, strings.Repeat("v1,AAAA ", 40))
	seed(body, testID, ts, v1(testID, ts, body)+strings.Repeat(" v", core.MaxSignatureHeaderEntries))

	v := fuzzVerifier(f)
	f.Fuzz(func(t *testing.T, body []byte, id, ts, sig string) {
		orig := bytes.Clone(body)
		h := core.Headers{ID: id, Timestamp: ts, Signature: sig}
		err := v.Verify(body, h)
		if !bytes.Equal(body, orig) {
			t.Fatal("Verify modified the body")
		}
		want, why := genuine(key, body, h)
		if err == nil && !want {
			t.Fatalf("Verify accepted a delivery the independent check rejects (%s): id %q ts %q sig %q body %q", why, id, ts, sig, body)
		}
		if err != nil && want {
			t.Fatalf("Verify rejected a genuine delivery: %v: id %q ts %q sig %q body %q", err, id, ts, sig, body)
		}
		if err != nil {
			n := 0
			for _, s := range verifySentinels {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("error %v wraps %d of Verify's sentinels, want 1", err, n)
			}
			if core.StatusCode(err) != 400 {
				t.Fatalf("StatusCode(%v) = %d", err, core.StatusCode(err))
			}
		}
	})
}

// genuine is the independent oracle of FuzzVerify: whether h and body form a delivery
// that a correct verifier with the HMAC key and fuzzKey at testNow must accept.
func genuine(key, body []byte, h core.Headers) (bool, string) {
	// Space and tab around a header value are HTTP's optional white space: not part of it.
	ows := func(s string) string { return strings.Trim(s, " \t") }
	h = core.Headers{ID: ows(h.ID), Timestamp: ows(h.Timestamp), Signature: ows(h.Signature)}
	if h.ID == "" || h.Timestamp == "" || h.Signature == "" {
		return false, "a header is empty"
	}
	if len(h.Signature) > core.MaxSignatureHeaderBytes {
		return false, "signature header too long"
	}
	if len(h.Timestamp) > 18 || strings.Trim(h.Timestamp, "0123456789") != "" {
		return false, "timestamp is not 1 to 18 digits"
	}
	sec, err := strconv.ParseInt(h.Timestamp, 10, 64)
	if err != nil {
		return false, "timestamp does not parse"
	}
	if d := testNow.Sub(time.Unix(sec, 0)); d > core.DefaultTolerance || d < -core.DefaultTolerance {
		return false, "timestamp outside the tolerance"
	}
	entries := strings.FieldsFunc(h.Signature, func(r rune) bool { return r == ' ' || r == '\t' })
	if len(entries) > core.MaxSignatureHeaderEntries {
		return false, "too many entries"
	}
	content := []byte(h.ID + "." + h.Timestamp + "." + string(body))
	mac := hmac.New(sha256.New, key)
	mac.Write(content)
	wantV1 := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	pub := fuzzKey.Public().(ed25519.PublicKey)
	for _, e := range entries {
		if e == wantV1 {
			return true, ""
		}
		if enc, ok := strings.CutPrefix(e, "v1a,"); ok {
			sig, err := base64.StdEncoding.DecodeString(enc)
			if err == nil && base64.StdEncoding.EncodeToString(sig) == enc && ed25519.Verify(pub, content, sig) {
				return true, ""
			}
		}
	}
	return false, "no entry is a signature of the content"
}

// FuzzParseEvent feeds ParseEvent arbitrary bytes: it must never panic, fail only with
// ErrMalformedEvent, and succeed only on a JSON object with a non-empty id and type.
func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{
		testBodyText,
		`{"id":"evt_1","type":"batch.completed"}`,
		`{"id":"evt_1","type":"brand.new","data":{"x":[1,2,{"y":null}]}}`,
		`{"id":"evt_1","type":"realtime.call.incoming","data":{"call_id":"c","sip_headers":[{"name":"a","value":"b"}]}}`,
		`{"id":1,"type":"x"}`,
		`{"id":"","type":"x"}`,
		`{"type":"x"}`,
		`[]`,
		`null`,
		``,
		` {"id":"a","type":"b"} `,
		`{"id":"a","type":"b"}{}`,
		"{\"id\":\"\xff\",\"type\":\"b\"}",
		`{"id":"a","type":"b","id":""}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		orig := bytes.Clone(body)
		e, err := core.ParseEvent(body)
		if !bytes.Equal(body, orig) {
			t.Fatal("ParseEvent modified the body")
		}
		if err != nil {
			if e != nil {
				t.Fatal("an Event returned with an error")
			}
			if !errors.Is(err, core.ErrMalformedEvent) {
				t.Fatalf("error %v does not wrap ErrMalformedEvent", err)
			}
			return
		}
		if e.ID == "" || e.Type == "" {
			t.Fatalf("success with id %q type %q", e.ID, e.Type)
		}
		if !bytes.Equal(e.Raw, body) {
			t.Fatal("Raw is not the body")
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) != nil {
			t.Fatalf("success on a body that is not a JSON object: %q", body)
		}
		if len(e.Data) > 0 && !json.Valid(e.Data) {
			t.Fatalf("Data is not valid JSON: %q", e.Data)
		}
		// The typed decoders fail only with ErrMalformedEvent on what ParseEvent accepted,
		// or with ErrDataTypeMismatch when the type is known and has other data.
		for _, decode := range []func() error{
			func() error { _, err := core.DecodeData[core.AgentSessionData](e); return err },
			func() error { _, err := core.DecodeData[core.RealtimeCallIncomingData](e); return err },
		} {
			err := decode()
			if err != nil && !errors.Is(err, core.ErrMalformedEvent) && !errors.Is(err, core.ErrDataTypeMismatch) {
				t.Fatalf("DecodeData: %v", err)
			}
			if errors.Is(err, core.ErrDataTypeMismatch) && !e.Type.Known() {
				t.Fatalf("DecodeData: a mismatch on the unknown type %q: %v", e.Type, err)
			}
		}
	})
}
