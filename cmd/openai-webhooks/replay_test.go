package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/capture"
)

// staleCapture has listen capture a delivery signed ten minutes ago, and returns the file.
func staleCapture(t *testing.T, secret string) string {
	t.Helper()
	dir := t.TempDir()
	p := startListen(t, nil, "--addr", "127.0.0.1:0", "--secret", secret, "--capture", dir)
	body := sampleEvent(core.ResponseCompleted, time.Now().Add(-10*time.Minute))
	status, _ := post(t, p.url, newSigner(t, secret).Headers("wh_old", time.Now().Add(-10*time.Minute), body), "application/json", body)
	if status != http.StatusBadRequest {
		t.Fatalf("a 10-minute-old delivery was answered %d, want 400", status)
	}
	p.waitFor(t, p.stdout, "rejected  400  webhook-id wh_old  webhook timestamp too old")
	files, err := filepath.Glob(filepath.Join(dir, "*.http"))
	if err != nil || len(files) != 1 {
		t.Fatalf("captures %v (%v), want one", files, err)
	}
	return files[0]
}

func TestReplay(t *testing.T) {
	secret := newSecret(t)
	app := startApp(t, secret)
	file := staleCapture(t, secret)
	target := app.URL + "/hooks"

	// As captured: the app refuses it as stale, and the output says so.
	r := runCLI(t, "", nil, "replay", file, "--to", target)
	wantCode(t, r, 1)
	wantContains(t, "replay as captured", r.stdout, file+"  webhook-id wh_old  as captured  400 Bad Request", "webhook timestamp too old",
		"refused as stale", "signed 10m0s ago", "Replay with --secret")
	if app.calls.Get("wh_old") != 0 {
		t.Fatalf("the app ran its handler for a stale replay")
	}

	// Re-signed: a fresh timestamp, the same webhook-id and body, accepted.
	r = runCLI(t, "", nil, "replay", "--to", target, "--secret", secret, file)
	wantCode(t, r, 0)
	wantContains(t, "replay --secret", r.stdout, file+"  webhook-id wh_old  re-signed  202 Accepted", `{"app":"ok","call":1}`)
	if app.calls.Get("wh_old") != 1 {
		t.Fatalf("the app has %d calls for wh_old, want 1", app.calls.Get("wh_old"))
	}
	captured, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	req, err := capture.Parse(captured)
	if err != nil {
		t.Fatal(err)
	}
	if got := app.last().body; !bytes.Equal(got, req.Body) {
		t.Errorf("the re-signed replay changed the body")
	}

	// The secret from the environment, and a directory: the same.
	r = runCLI(t, "", []string{core.EnvSecret + "=" + secret}, "replay", filepath.Dir(file), "--to", target)
	wantCode(t, r, 0)
	wantContains(t, "replay DIR", r.stdout, "re-signed  202 Accepted")

	// Nobody listening: exit 1, and says so.
	app.Close()
	r = runCLI(t, "", nil, "replay", file, "--to", target, "--secret", secret)
	wantCode(t, r, 1)
	wantContains(t, "replay to nobody", r.stdout, "not answered: connection refused")

	for _, args := range [][]string{{"replay", "--to", target}, {"replay", file}, {"replay", file, "--to", "nowhere"}} {
		wantCode(t, runCLI(t, "", nil, args...), 2)
	}
}

// TestReplayResignsOnlyGenuine: replay --secret re-signs only a capture whose signature
// verifies under the secret; a forgery POSTed to listen goes out as captured (and is
// refused again) unless --force says otherwise.
func TestReplayResignsOnlyGenuine(t *testing.T) {
	secret := newSecret(t)
	app := startApp(t, secret)
	dir := t.TempDir()
	p := startListen(t, nil, "--addr", "127.0.0.1:0", "--secret", secret, "--capture", dir)
	body := sampleEvent(core.BatchCompleted, time.Now())
	if status, _ := post(t, p.url, newSigner(t, newSecret(t)).Headers("wh_forgery", time.Now(), body), "application/json", body); status != http.StatusBadRequest {
		t.Fatalf("a forgery was answered %d, want 400", status)
	}
	p.waitFor(t, p.stdout, "webhook-id wh_forgery")
	files, err := filepath.Glob(filepath.Join(dir, "*.http"))
	if err != nil || len(files) != 1 {
		t.Fatalf("captures %v (%v), want one", files, err)
	}
	target := app.URL + "/hooks"

	r := runCLI(t, "", nil, "replay", files[0], "--to", target, "--secret", secret)
	wantCode(t, r, 1)
	wantContains(t, "replay of a forgery", r.stdout, "webhook-id wh_forgery  as captured (not re-signed: its signature does not verify under the secret; --force re-signs it)  400 Bad Request")
	if n := app.calls.Get("wh_forgery"); n != 0 {
		t.Fatalf("the app ran its handler %d times for a forgery", n)
	}

	r = runCLI(t, "", nil, "replay", files[0], "--to", target, "--secret", secret, "--force")
	wantCode(t, r, 0)
	wantContains(t, "replay --force", r.stdout, "webhook-id wh_forgery  re-signed  202 Accepted")

	// --force signs with the secret: without one it is a usage error.
	wantCode(t, runCLI(t, "", nil, "replay", files[0], "--to", target, "--force"), 2)
}

// signedBy is replay's test of genuineness: the signature is one the signer makes for
// the captured id, timestamp and body, for an HMAC secret and an ed25519 signing key.
func TestSignedBy(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1750861210, 0)
	body := []byte(`{"id": "evt_1"}`)
	for _, secret := range []string{newSecret(t), "whsk_" + base64.StdEncoding.EncodeToString(priv)} {
		signer := newSigner(t, secret)
		other := newSigner(t, newSecret(t))
		h := signer.Headers("wh_1", at, body)
		padded := core.Headers{ID: " wh_1 ", Timestamp: h.Timestamp + "\t", Signature: "v1,bm9wZQ== " + h.Signature}
		for _, tc := range []struct {
			name string
			h    core.Headers
			body []byte
			want bool
		}{
			{"genuine", h, body, true},
			{"white space around the values, another entry first", padded, body, true},
			{"another body", h, []byte(`{"id": "evt_2"}`), false},
			{"another secret", other.Headers("wh_1", at, body), body, false},
			{"another id", core.Headers{ID: "wh_2", Timestamp: h.Timestamp, Signature: h.Signature}, body, false},
			{"a timestamp written otherwise", core.Headers{ID: h.ID, Timestamp: "0" + h.Timestamp, Signature: h.Signature}, body, false},
			{"no signature", core.Headers{ID: h.ID, Timestamp: h.Timestamp}, body, false},
		} {
			if got := signedBy(signer, tc.h, tc.body); got != tc.want {
				t.Errorf("%s, %s: signedBy = %v", secret[:5], tc.name, got)
			}
		}
	}
}
