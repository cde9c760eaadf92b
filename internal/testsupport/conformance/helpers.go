package conformance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// Helpers for the adapters' own tests and benchmarks, and for the examples' tests.

// Keys returns a fresh whsec_ secret, a verifier of it on the real clock, and its signer.
func Keys(tb testing.TB) (secret string, v *core.Verifier, s *core.Signer) {
	tb.Helper()
	secret, err := core.GenerateSecret()
	if err != nil {
		tb.Fatal(err)
	}
	if v, err = core.NewVerifier(secret); err != nil {
		tb.Fatal(err)
	}
	if s, err = core.NewSigner(secret); err != nil {
		tb.Fatal(err)
	}
	return secret, v, s
}

// EventBody returns the body of an event of type typ with id, as OpenAI sends it.
func EventBody(id string, typ core.EventType) []byte { return eventBody(id, typ) }

// PaddedEvent returns the body of a batch.completed event of exactly size bytes (at
// least 120).
func PaddedEvent(size int) []byte { return paddedEvent(size) }

// SignedRequest returns a POST of body to url, signed by s now with a fresh webhook-id.
func SignedRequest(tb testing.TB, s *core.Signer, url string, body []byte) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	s.Headers(core.NewWebhookID(), time.Now(), body).Set(req.Header)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// Do sends req with the default client and returns the status and body of the answer.
func Do(tb testing.TB, req *http.Request) (int, string) {
	tb.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// BenchBodySize is the size of the delivery the adapters' benchmarks send.
const BenchBodySize = 400

// BenchHTTP serves a genuine BenchBodySize-byte delivery, signed by s, to POST Path on h
// b.N times and reports allocations. h must answer 2xx.
func BenchHTTP(b *testing.B, h http.Handler, s *core.Signer) {
	body := PaddedEvent(BenchBodySize)
	req := SignedRequest(b, s, Path, body)
	w := &discardWriter{header: http.Header{}}
	rd := bytes.NewReader(body)
	req.Body = io.NopCloser(rd)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		w.status = 0
		h.ServeHTTP(w, req)
		if w.status != 0 && (w.status < 200 || w.status > 299) {
			b.Fatalf("the handler answered %d", w.status)
		}
	}
}

// discardWriter is an http.ResponseWriter that keeps only the status.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

func (w *discardWriter) WriteHeader(status int) { w.status = status }

// Deliver signs body with secret as OpenAI does, posts it to h at /webhooks/openai and
// returns "<status> <body>", for the adapters' testable examples.
func Deliver(h http.Handler, secret, body string) string {
	signer, err := core.NewSigner(secret)
	if err != nil {
		return err.Error()
	}
	req := httptest.NewRequest(http.MethodPost, "/webhooks/openai", strings.NewReader(body))
	signer.Headers("wh_example", time.Now(), []byte(body)).Set(req.Header)
	w := Record(h, req)
	return strings.TrimSpace(fmt.Sprint(w.Code, " ", w.Body.String()))
}

// Record serves req with h and returns the recorded answer.
func Record(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// Again returns req with a fresh copy of its body: the same delivery once more, as
// OpenAI sends a retry. req must come from SignedRequest.
func Again(tb testing.TB, req *http.Request) *http.Request {
	tb.Helper()
	body, err := req.GetBody()
	if err != nil {
		tb.Fatal(err)
	}
	again := req.Clone(context.Background())
	again.Body = body
	return again
}
