package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// inspectorDiagnosis is what listen shows beside a refused delivery: verify's report.
func TestDiagnosisText(t *testing.T) {
	signer, err := core.NewSigner(realSecret)
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Unix(1750861210, 0)
	header := http.Header{}
	signer.Headers(realID, sent, []byte(realBody)).Set(header)
	header.Set("Content-Type", "application/json")

	v, err := core.NewVerifier(realSecret, core.WithClock(func() time.Time { return sent }))
	if err != nil {
		t.Fatal(err)
	}
	text := inspectorDiagnosis(v, []byte(realBody+"\n"), header, sent)
	for _, want := range []string{"verify: FAILED at the signature check", "signature  FAIL", "answer", "without its final newline"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	if ok := inspectorDiagnosis(v, []byte(realBody), header, sent); !strings.HasPrefix(ok, "verify: OK: a genuine delivery") {
		t.Errorf("a genuine delivery:\n%s", ok)
	}
}
