package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// TestSendRepeatIsAnOpenAIRetry: send --repeat sends the previous delivery with the same
// webhook-id and body and a fresh timestamp and signature, which an idempotent receiver
// answers as a duplicate; --id alone sends a new event under the old id.
func TestSendRepeatIsAnOpenAIRetry(t *testing.T) {
	secret := newSecret(t)
	v, err := core.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	type delivery struct {
		h    core.Headers
		body []byte
	}
	var mu sync.Mutex
	var got []delivery
	app := nethttp.Handler(v, core.HandlerFunc(func(context.Context, *core.Event) error { return nil }),
		nethttp.WithIdempotency(idempotency.NewMemoryStore()))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, delivery{core.HeadersFrom(r.Header), body})
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		app.ServeHTTP(w, r)
	}))
	defer srv.Close()
	env := []string{core.EnvSecret + "=" + secret, "XDG_CACHE_HOME=" + t.TempDir()}

	r := runCLI(t, "", env, "send", "--repeat")
	wantCode(t, r, 1)
	wantContains(t, "send --repeat before any send", r.stderr, "no previous delivery to repeat")

	r = runCLI(t, "", env, "send", "--type", "batch.completed", "--url", srv.URL, "--timestamp", strconv.FormatInt(time.Now().Unix()-2, 10))
	wantCode(t, r, 0)
	r = runCLI(t, "", env, "send", "--repeat")
	wantCode(t, r, 0)
	wantContains(t, "send --repeat", r.stdout, "as an OpenAI retry", `"duplicate":true`)

	r = runCLI(t, "", env, "send", "--repeat", "--type", "batch.failed")
	wantCode(t, r, 2)
	wantContains(t, "send --repeat --type", r.stderr, "cannot be combined with --type")

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("the receiver got %d deliveries, want 2", len(got))
	}
	first, retry := got[0], got[1]
	if retry.h.ID != first.h.ID || !bytes.Equal(retry.body, first.body) {
		t.Errorf("the retry is not the same delivery: id %q/%q, bodies equal %v", first.h.ID, retry.h.ID, bytes.Equal(retry.body, first.body))
	}
	if retry.h.Timestamp == first.h.Timestamp || retry.h.Signature == first.h.Signature {
		t.Errorf("the retry reused the timestamp %q or the signature", retry.h.Timestamp)
	}
	if err := v.Verify(retry.body, retry.h); err != nil {
		t.Errorf("the retry does not verify: %v", err)
	}
}
