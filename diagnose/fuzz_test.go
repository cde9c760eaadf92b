package diagnose_test

import (
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
)

// FuzzVerifier feeds the diagnosis what a server may receive: anything. It must not
// panic, must run its five checks, must agree with core on the verdict, must give a
// cause exactly when it refuses, and its report must never quote the secret.
func FuzzVerifier(f *testing.F) {
	f.Add([]byte(realBody), realID, realTimestamp, realSignature)
	f.Add([]byte(realBody+"\n"), realID, realTimestamp, realSignature)
	f.Add([]byte(`[[[[[[[[[[]]]]]]]]]]`), realID, realTimestamp+".0", "v1,"+strings.Repeat("A", 43)+"=")
	f.Add([]byte{}, " "+realID, "2025-06-25T14:20:10Z", "t=1,v1=abcdef")
	f.Add([]byte("\xef\xbb\xbf{}"), "x", "-1", "v1a,AAAA v1,BBBB\tv2,CC")
	f.Add([]byte(`{"a":"\u00e9<>"}`), "", "", "")
	v, err := core.NewVerifier(realSecret, core.WithClock(func() time.Time { return sentAt }))
	if err != nil {
		f.Fatal(err)
	}
	secretText := strings.TrimPrefix(realSecret, "whsec_")
	f.Fuzz(func(t *testing.T, body []byte, id, ts, sig string) {
		if len(body) > 4096 || len(sig) > 512 {
			return // the diagnosis is bounded by its callers; keep the fuzzer fast
		}
		h := core.Headers{ID: id, Timestamp: ts, Signature: sig}
		r := diagnose.Verifier(v, diagnose.Delivery{Body: body, Headers: h})
		if len(r.Checks) != 5 {
			t.Fatalf("%d checks", len(r.Checks))
		}
		_, want := v.Unwrap(body, h)
		if (r.Err == nil) != (want == nil) {
			t.Fatalf("report verdict %v, core %v", r.Err, want)
		}
		if r.OK() != (len(r.Causes) == 0) {
			t.Fatalf("verdict %v with causes %v", r.Err, r.Causes)
		}
		for _, c := range r.Causes {
			if strings.Contains(c.Text, secretText[:12]) || c.Kind == "" {
				t.Fatalf("cause %+v", c)
			}
		}
	})
}
