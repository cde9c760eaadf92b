package conformance

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// testDiagnosis checks the adapter's WithDiagnosis: a delivery whose body was parsed and
// re-serialised before the adapter is refused exactly as without the option, and the
// log names the cause, without the body or the signature.
func testDiagnosis(t *testing.T, f *fixture, m mode) {
	signedBody := eventBody("evt_diagnosis", "batch.completed")
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, signedBody, "", "  "); err != nil {
		t.Fatal(err)
	}
	delivery := f.signed(pretty.Bytes()) // signed as sent by OpenAI…
	delivery.body = signedBody           // …and compacted before the adapter

	plain := f.start(t, m, f.options(m), nil)
	without := plain.send(t, delivery)

	var logs testkit.LockedBuffer
	o := f.options(m)
	o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	o.Diagnosis = true
	s := f.start(t, m, o, nil)
	with := s.send(t, delivery)

	wantError(t, with, http.StatusBadRequest, core.ErrNoMatchingSignature)
	if with.status != without.status || !bytes.Equal(with.body, without.body) {
		t.Errorf("with WithDiagnosis the answer is %d %s, without %d %s: it must not change", with.status, with.body, without.status, without.body)
	}
	s.wantCalls(t, 0)
	// The diagnosis runs after the answer: give it time to log.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), "cause=") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	log := logs.String()
	if !strings.Contains(log, "cause=body_reserialized") || !strings.Contains(log, "re-serialisation of the JSON that was signed") {
		t.Errorf("the log does not name the re-serialised body:\n%s", log)
	}
	for _, leak := range []string{strings.TrimPrefix(delivery.header.Get("webhook-signature"), "v1,"), `"evt_diagnosis"`, strings.TrimPrefix(f.secret, "whsec_")} {
		if strings.Contains(log, leak) {
			t.Errorf("the log holds %q:\n%s", leak, log)
		}
	}
}
