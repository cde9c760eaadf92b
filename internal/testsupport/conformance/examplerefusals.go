package conformance

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
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
// chunked (413, see sendOversized). Every refusal must be answered {"error":"…"}.
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
	}
	type result struct {
		name, answer string
		status, want int
	}
	var results []result
	for _, tc := range tests {
		status, answer := Do(t, tc.req)
		results = append(results, result{tc.name, answer, status, tc.status})
	}
	over := PaddedEvent(int(receive.DefaultMaxBodyBytes) + 1)
	for _, chunked := range []bool{false, true} {
		status, answer := sendOversized(t, base, signer.Headers(core.NewWebhookID(), time.Now(), over), over, chunked)
		name := "body over 1 MiB, Content-Length"
		if chunked {
			name = "body over 1 MiB, chunked"
		}
		results = append(results, result{name, answer, status, http.StatusRequestEntityTooLarge})
	}
	for _, tc := range results {
		status, answer := tc.status, tc.answer
		switch {
		case status != tc.want:
			t.Errorf("%s: got %d %s, want %d", tc.name, status, answer, tc.want)
		case status == http.StatusOK && !strings.Contains(answer, `"received":true`):
			t.Errorf("%s: got %d %s, want {\"received\":true}", tc.name, status, answer)
		case status != http.StatusOK && !strings.HasPrefix(answer, `{"error":"`):
			t.Errorf("%s: got %d %s, want {\"error\":\"…\"}", tc.name, status, answer)
		}
	}
}

// sendOversized sends a signed delivery of body to POST /webhooks/openai on base over a
// raw loopback connection and returns the answer. With Content-Length it sends only the
// request head: a server answers 413 from the header alone, and one that closes the
// connection at once (fasthttp) would otherwise reset it under a client still writing,
// losing the answer. Chunked, it sends body as one chunk.
func sendOversized(t *testing.T, base string, h core.Headers, body []byte, chunked bool) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A bound for a server that never answers; the test fails then instead of hanging.
	if err := conn.SetDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	head := fmt.Sprintf("POST /webhooks/openai HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n%s: %s\r\n%s: %s\r\n%s: %s\r\n",
		strings.TrimPrefix(base, "http://"), core.HeaderID, h.ID, core.HeaderTimestamp, h.Timestamp, core.HeaderSignature, h.Signature)
	var req []byte
	if chunked {
		req = fmt.Appendf(nil, "%sTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", head, len(body), body)
	} else {
		req = fmt.Appendf(nil, "%sContent-Length: %d\r\n\r\n", head, len(body))
	}
	// A server may answer and close before it has read everything (fasthttp refuses a
	// chunk that would pass its limit without reading it): write while reading, and
	// judge by the answer, not by whether the write completed.
	go func() { _, _ = conn.Write(req) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to an oversized delivery (chunked %v): %v", chunked, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
