package nethttp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

var floodBody = []byte(`{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`)

// forgedRequest is a delivery with a well-formed signature that matches nothing.
func forgedRequest(i int) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/openai", bytes.NewReader(floodBody))
	sig := make([]byte, 32)
	sig[0], sig[1] = byte(i), byte(i>>8)
	core.Headers{ID: "wh_forged", Timestamp: strconv.FormatInt(time.Now().Unix(), 10), Signature: "v1," + base64.StdEncoding.EncodeToString(sig)}.Set(req.Header)
	return req
}

// unused is the handler of endpoints that only refuse.
var unused = core.HandlerFunc(func(context.Context, *core.Event) error { return nil })

// 10 000 forgeries through the real adapter are all answered 400, as without the
// option, and cost at most DiagnosisBurst (10) diagnoses, plus one per 6 s the flood
// lasts: one log line for their one cause.
func TestDiagnosisFlood(t *testing.T) {
	v, err := core.NewVerifier(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	var logs testkit.LockedBuffer
	h := nethttp.Handler(v, unused, nethttp.WithDiagnosis(), nethttp.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	start := time.Now()
	for i := range 10_000 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, forgedRequest(i))
		if w.Code != http.StatusBadRequest || !strings.HasPrefix(w.Body.String(), `{"error":"no matching webhook signature`) {
			t.Fatalf("forgery %d answered %d %s", i, w.Code, w.Body)
		}
	}
	elapsed := time.Since(start)
	// The diagnoses run after the answers: give the first one time to log.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), "refused delivery diagnosed") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if elapsed < time.Minute {
		if n := strings.Count(logs.String(), "refused delivery diagnosed"); n != 1 {
			t.Errorf("%d diagnosis log lines in %v, want 1", n, elapsed)
		}
	}
	t.Logf("10 000 forgeries in %v", time.Since(start))
}

// BenchmarkRefused is the 400 path of a forged delivery with WithDiagnosis off and on,
// once the diagnoses allowed are spent: the cost a flood of forgeries pays for the
// option (documented bound: within 5 % of off, and the same allocations).
func BenchmarkRefused(b *testing.B) {
	v, err := core.NewVerifier(testSecret)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts []nethttp.Option
	}{
		{"diagnosis=off", nil},
		{"diagnosis=on", []nethttp.Option{nethttp.WithDiagnosis()}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := nethttp.Handler(v, unused, append(tc.opts, nethttp.WithLogger(quiet))...)
			req := forgedRequest(1)
			body := bytes.NewReader(floodBody)
			w := &discard{header: http.Header{}}
			for range 20 { // spend the burst
				body.Reset(floodBody)
				req.Body = io.NopCloser(body)
				h.ServeHTTP(w, req)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				body.Reset(floodBody)
				req.Body = io.NopCloser(body)
				h.ServeHTTP(w, req)
			}
		})
	}
}

type discard struct {
	header http.Header
	status int
}

func (w *discard) Header() http.Header         { return w.header }
func (w *discard) Write(p []byte) (int, error) { return len(p), nil }
func (w *discard) WriteHeader(status int)      { w.status = status }
