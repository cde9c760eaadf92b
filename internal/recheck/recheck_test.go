package recheck_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
	"github.com/webhookkit/openai-webhooks/internal/recheck"
)

func TestKind(t *testing.T) {
	oldSecret, _ := core.GenerateSecret()
	newSecret, _ := core.GenerateSecret()
	signer, err := core.NewSigner(oldSecret)
	if err != nil {
		t.Fatal(err)
	}
	v, err := core.NewVerifier(newSecret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`)
	// Signed an hour ago: the job's age must not be the cause.
	h := signer.Headers("wh_1", time.Now().Add(-time.Hour), body)

	for _, tc := range []struct {
		attempt, max int
		body         []byte
		want         bool
	}{
		{1, 25, body, true},
		{2, 25, body, false},
		{24, 25, body, false},
		{25, 25, body, true},
		{1, 25, bytes.Repeat([]byte(" "), recheck.MaxBody+1), false},
	} {
		kind, ok := recheck.Kind(v, tc.body, h, tc.attempt, tc.max)
		if ok != tc.want {
			t.Errorf("attempt %d of %d, %d bytes: diagnosed %v, want %v", tc.attempt, tc.max, len(tc.body), ok, tc.want)
		}
		if ok && kind != diagnose.KindNoMatch {
			t.Errorf("attempt %d of %d: kind %q, want %q (another secret)", tc.attempt, tc.max, kind, diagnose.KindNoMatch)
		}
	}
}
