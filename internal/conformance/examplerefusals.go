package conformance

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// CheckExampleRefusals starts an example's server on loopback and sends it what a
// Standard Webhooks client and an attacker send: a valid delivery (2xx), a tampered
// body, a stale and a future timestamp, a signature of another secret, a missing header
// (400), and a body one byte over the default limit of 1 MiB with Content-Length and
// chunked (413). Every refusal must be answered {"error":"…"}.
func CheckExampleRefusals(t *testing.T, run RunFunc) {
	t.Helper()
	secret, _, signer := Keys(t)
	_, _, other := Keys(t)
	base, _ := StartExample(t, run, map[string]string{core.EnvSecret: secret, "PORT": "0", "HOST": "127.0.0.1"})
	url := base + "/webhooks/openai"
	body := []byte(ExampleEvents[core.BatchCompleted])
	at := func(ts time.Time) *http.Request {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		signer.Headers(core.NewWebhookID(), ts, body).Set(req.Header)
		return req
	}
	tampered := SignedRequest(t, signer, url, body)
	tampered.Body = io.NopCloser(strings.NewReader(strings.Replace(string(body), "batch_example", "batch_examplf", 1)))
	missing := SignedRequest(t, signer, url, body)
	missing.Header.Del(core.HeaderTimestamp)
	over := PaddedEvent(int(receive.DefaultMaxBodyBytes) + 1)
	chunked := SignedRequest(t, signer, url, over)
	chunked.Body, chunked.ContentLength = io.NopCloser(bytes.NewReader(over)), -1

	tests := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"valid", SignedRequest(t, signer, url, body), http.StatusOK},
		{"tampered body", tampered, http.StatusBadRequest},
		{"stale timestamp", at(time.Now().Add(-core.DefaultTolerance - time.Minute)), http.StatusBadRequest},
		{"future timestamp", at(time.Now().Add(core.DefaultTolerance + time.Minute)), http.StatusBadRequest},
		{"signature of another secret", SignedRequest(t, other, url, body), http.StatusBadRequest},
		{"webhook-timestamp missing", missing, http.StatusBadRequest},
		{"body over 1 MiB, Content-Length", SignedRequest(t, signer, url, over), http.StatusRequestEntityTooLarge},
		{"body over 1 MiB, chunked", chunked, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range tests {
		status, answer := Do(t, tc.req)
		switch {
		case status != tc.status:
			t.Errorf("%s: got %d %s, want %d", tc.name, status, answer, tc.status)
		case status == http.StatusOK && !strings.Contains(answer, `"received":true`):
			t.Errorf("%s: got %d %s, want {\"received\":true}", tc.name, status, answer)
		case status != http.StatusOK && !strings.HasPrefix(answer, `{"error":"`):
			t.Errorf("%s: got %d %s, want {\"error\":\"…\"}", tc.name, status, answer)
		}
	}
}
