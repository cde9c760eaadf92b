package diagnose_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
)

// At the largest inputs WithDiagnosis accepts, the search stops at its budget and the
// report says so: not "nothing matches", which it cannot know.
func TestWorstCaseIsCutShort(t *testing.T) {
	for _, tc := range worstCases() {
		t.Run(tc.name, func(t *testing.T) {
			refused := tc.v.Verify(tc.d.Body, tc.d.Headers)
			for name, r := range map[string]*diagnose.Report{
				"Refused":  diagnose.Refused(tc.v, tc.d, refused),
				"Verifier": diagnose.Verifier(tc.v, tc.d),
			} {
				if !r.CutShort || r.Kind() != diagnose.KindSearchCutShort || !strings.Contains(r.Causes[0].Text, "cut short") {
					t.Errorf("%s: CutShort %v, Kind %q, causes %v", name, r.CutShort, r.Kind(), r.Causes)
				}
				if len(r.Checks) != 5 || r.Err == nil || r.Err.Error() != refused.Error() {
					t.Errorf("%s: %d checks, Err %v, want %v", name, len(r.Checks), r.Err, refused)
				}
			}
		})
	}
}

// Within the budget, the common mistakes come first: a final newline added to a body of
// the largest size is still found, with a whsec_ secret and with a whpk_ key.
func TestLargeBodyMistakeFound(t *testing.T) {
	body := worstBody()
	sent := body[:len(body)-2] // signed without the CRLF the body ends with
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	for _, tc := range worstCases() {
		h := core.Headers{ID: "wh_1", Timestamp: realTimestamp}
		if tc.name == "whsec" {
			h.Signature = "v1," + base64.StdEncoding.EncodeToString(mac(realKey(t), h.ID, h.Timestamp, sent))
		} else {
			h.Signature = "v1a," + base64.StdEncoding.EncodeToString(ed25519.Sign(priv, core.AppendSignedContent(nil, h, sent)))
		}
		d := diagnose.Delivery{Body: body, Headers: h}
		r := diagnose.Refused(tc.v, d, tc.v.Verify(body, h))
		if r.Kind() != diagnose.KindBodyNewline {
			t.Errorf("%s: Kind %q, want %q; causes %v", tc.name, r.Kind(), diagnose.KindBodyNewline, r.Causes)
		}
	}
}

// An OpenAI-sized forgery is searched to the end with a whpk_ key too: the budget does
// not cut ordinary inputs short.
func TestOrdinaryWhpkSearchIsComplete(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	pub := "whpk_" + base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))
	v, err := core.NewVerifier(pub, core.WithClock(func() time.Time { return sentAt }))
	if err != nil {
		t.Fatal(err)
	}
	forged := headers("v1a," + base64.StdEncoding.EncodeToString(make([]byte, ed25519.SignatureSize)))
	r := diagnose.Verifier(v, diagnose.Delivery{Body: []byte(realBody), Headers: forged})
	if r.CutShort || r.Kind() != diagnose.KindNoMatch {
		t.Errorf("CutShort %v, Kind %q; causes %v", r.CutShort, r.Kind(), r.Causes)
	}
	var compact bytes.Buffer
	compact.WriteString(strings.NewReplacer(", ", ",", ": ", ":").Replace(realBody))
	signed := headers("v1a," + base64.StdEncoding.EncodeToString(ed25519.Sign(priv, core.AppendSignedContent(nil, headers(""), []byte(realBody)))))
	r = diagnose.Verifier(v, diagnose.Delivery{Body: compact.Bytes(), Headers: signed})
	if r.Kind() != diagnose.KindBodyReserialized {
		t.Errorf("Kind %q, want %q; causes %v", r.Kind(), diagnose.KindBodyReserialized, r.Causes)
	}
}

// A webhook-id signed with white space that the verifier ignores is a mistake the
// diagnosis names; it used to make the diagnosis panic.
func TestIDSignedWithWhitespace(t *testing.T) {
	id := realID + " "
	sig := "v1," + base64.StdEncoding.EncodeToString(mac(realKey(t), id, realTimestamp, []byte(realBody)))
	r := diagnose.Secret(realSecret, diagnose.Delivery{Body: []byte(realBody), Headers: core.Headers{ID: id, Timestamp: realTimestamp, Signature: sig}}, diagnose.At(sentAt))
	if r.Kind() != diagnose.KindIDWhitespace {
		t.Errorf("Kind %q, want %q; causes %v", r.Kind(), diagnose.KindIDWhitespace, r.Causes)
	}
}
