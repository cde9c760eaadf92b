package listener_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/capture"
	"github.com/webhookkit/openai-webhooks/internal/inspector"
	"github.com/webhookkit/openai-webhooks/internal/listener"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// recorder keeps what a Receiver reports.
type recorder struct {
	mu sync.Mutex
	ds []*inspector.Delivery
}

func (r *recorder) report(d *inspector.Delivery) {
	r.mu.Lock()
	r.ds = append(r.ds, d)
	r.mu.Unlock()
}

func (r *recorder) last(t *testing.T) *inspector.Delivery {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ds) == 0 {
		t.Fatal("nothing reported")
	}
	return r.ds[len(r.ds)-1]
}

const path = "/webhooks/openai"

func start(t *testing.T, secret, forwardTo string, dir *capture.Dir) (string, *listener.Receiver, *recorder) {
	t.Helper()
	v, err := core.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	rcv := listener.New(listener.Config{Secret: secret, Verifier: v, Path: path, ForwardTo: forwardTo, Capture: dir, Report: rec.report})
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	return srv.URL + path, rcv, rec
}

func send(t *testing.T, url string, h core.Headers, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	h.Set(req.Header)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func secrets(t *testing.T) (string, *core.Signer) {
	t.Helper()
	s, err := core.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := core.NewSigner(s)
	if err != nil {
		t.Fatal(err)
	}
	return s, signer
}

func event(now time.Time) []byte {
	return fmt.Appendf(nil, `{"id": "evt_1", "object": "event", "created_at": %d, "type": "batch.completed", "data": {"id": "batch_1"}}`, now.Unix())
}

// Each delivery is reported with its verdict; only one whose signature verifies under
// the secret (its age aside) is genuine; refused captures count against the budget.
func TestVerdictsAndGenuine(t *testing.T) {
	secret, signer := secrets(t)
	_, forger := secrets(t)
	dir := t.TempDir()
	capDir, err := capture.OpenDir(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	url, _, rec := start(t, secret, "", capDir)
	now := time.Now()
	body := event(now)
	for _, tc := range []struct {
		name    string
		h       core.Headers
		body    []byte
		status  int
		verdict string
		genuine bool
	}{
		{"verified", signer.Headers("wh_1", now, body), body, 200, inspector.Accepted, true},
		{"redelivery", signer.Headers("wh_1", now, body), body, 200, inspector.Duplicate, true},
		{"forged", forger.Headers("wh_2", now, body), body, 400, inspector.Refused, false},
		{"stale", signer.Headers("wh_3", now.Add(-10*time.Minute), body), body, 400, inspector.Refused, true},
		{"stale forgery", forger.Headers("wh_4", now.Add(-10*time.Minute), body), body, 400, inspector.Refused, false},
		{"not an event", signer.Headers("wh_5", now, []byte(`[1]`)), []byte(`[1]`), 400, inspector.Refused, true},
		{"unsigned", core.Headers{ID: "wh_6", Timestamp: fmt.Sprint(now.Unix())}, body, 400, inspector.Refused, false},
	} {
		if got := send(t, url, tc.h, tc.body); got != tc.status {
			t.Fatalf("%s: answered %d, want %d", tc.name, got, tc.status)
		}
		d := rec.last(t)
		if d.Verdict != tc.verdict || d.Genuine != tc.genuine || d.Status != tc.status || d.Header.Get("Webhook-Id") != tc.h.ID {
			t.Errorf("%s: reported %s %d genuine %v, want %s %d genuine %v", tc.name, d.Verdict, d.Status, d.Genuine, tc.verdict, tc.status, tc.genuine)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 7 {
		t.Fatalf("%d captures (%v), want 7", len(entries), err)
	}
}

// With ForwardTo every verified delivery reaches the app, whose answer is the sender's;
// Replay re-signs with a fresh timestamp, the same webhook-id and body.
func TestForwardAndReplay(t *testing.T) {
	secret, signer := secrets(t)
	v, err := core.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []core.Headers
	app := httptest.NewServer(nethttp.Middleware(v, nethttp.WithLogger(slog.New(slog.DiscardHandler)))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, core.HeadersFrom(r.Header))
		mu.Unlock()
		if r.Header.Get("Webhook-Id") == "wh_fail" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})))
	defer app.Close()
	url, rcv, rec := start(t, secret, app.URL, nil)
	old := time.Now().Add(-time.Minute)
	body := event(old)
	if status := send(t, url, signer.Headers("wh_ok", old, body), body); status != http.StatusAccepted {
		t.Fatalf("forwarded: %d, want the app's 202", status)
	}
	orig := rec.last(t)
	if status := send(t, url, signer.Headers("wh_fail", old, body), body); status != http.StatusInternalServerError {
		t.Fatalf("the app's failure: %d, want its 500", status)
	}
	if d := rec.last(t); d.Verdict != inspector.Accepted || d.App == nil || !d.App.Failed() {
		t.Errorf("the app's failure reported %+v", d)
	}
	replayed, status, err := rcv.Replay(context.Background(), orig)
	if err != nil || status != http.StatusOK || replayed.Verdict != inspector.Replayed || replayed.ReplayOf != orig.N || replayed.App.Status != http.StatusAccepted {
		t.Fatalf("Replay: %+v, %d, %v", replayed, status, err)
	}
	mu.Lock()
	last := got[len(got)-1]
	mu.Unlock()
	if last.ID != "wh_ok" || last.Timestamp == fmt.Sprint(old.Unix()) || !bytes.Equal(replayed.Body, body) || rec.last(t) != replayed {
		t.Errorf("the replay reached the app as %+v", last)
	}
	_, noApp, _ := start(t, secret, "", nil)
	if _, status, err := noApp.Replay(context.Background(), orig); !errors.Is(err, listener.ErrNoApp) || status != http.StatusConflict {
		t.Errorf("Replay without an app: %d, %v", status, err)
	}
}
