package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testpg"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestMain(m *testing.M) { os.Exit(testpg.Run(m)) }

func post(t *testing.T, url string, body []byte, h core.Headers) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	h.Set(req.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer)
}

func TestEachDeliveryIsWrittenOnce(t *testing.T) {
	pool, databaseURL := testpg.NewPool(t)
	ctx := context.Background()
	baseURL, output := conformance.StartExample(t, run, map[string]string{
		core.EnvSecret: secret, "DATABASE_URL": databaseURL, "PORT": "0", "HOST": "127.0.0.1",
	})
	url := baseURL + "/webhooks/openai"

	signer, _ := core.NewSigner(secret)
	body := []byte(`{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`)
	// The delivery, a copy of it, and OpenAI's retry of it (a new timestamp and signature).
	for i, ts := range []time.Time{time.Now().Add(-time.Minute), time.Now().Add(-time.Minute), time.Now()} {
		if status, answer := post(t, url, body, signer.Headers("wh_example_1", ts, body)); status != 200 {
			t.Fatalf("delivery %d: %d %s", i, status, answer)
		}
	}
	tampered := bytes.Replace(body, []byte("batch_1"), []byte("batch_2"), 1)
	if status, _ := post(t, url, tampered, signer.Headers("wh_example_2", time.Now(), body)); status != 400 {
		t.Fatalf("tampered delivery: %d, want 400", status)
	}

	deadline := time.Now().Add(60 * time.Second)
	for {
		var state string
		err := pool.QueryRow(ctx, `SELECT state FROM river_job`).Scan(&state)
		if err != nil {
			t.Fatalf("jobs: %v, want exactly one", err)
		}
		if state == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s after 60 s; output:\n%s", state, output())
		}
		time.Sleep(25 * time.Millisecond)
	}
	// QueryRow above reads the first row only: count them, or a second job of the
	// delivery would pass unseen.
	var jobs int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&jobs); err != nil || jobs != 1 {
		t.Fatalf("%d jobs (%v), want exactly one for the delivery, its copy and its retry", jobs, err)
	}
	var rows int
	var batchID string
	if err := pool.QueryRow(ctx, `SELECT count(*), min(data->>'id') FROM webhook_events WHERE webhook_id = 'wh_example_1'`).Scan(&rows, &batchID); err != nil || rows != 1 || batchID != "batch_1" {
		t.Fatalf("webhook_events: %d rows, batch %q, %v; want 1 row for batch_1", rows, batchID, err)
	}
	if n := strings.Count(output(), "msg=handled"); n != 1 {
		t.Fatalf("handled %d times, want once; output:\n%s", n, output())
	}
	resp, err := http.Get(baseURL + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestStartFailsClearlyWithoutConfiguration(t *testing.T) {
	for name, env := range map[string]map[string]string{
		core.EnvSecret: {"DATABASE_URL": "postgres://127.0.0.1:1/x"},
		"DATABASE_URL": {core.EnvSecret: secret},
	} {
		err := run(context.Background(), func(k string) string { return env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("run without %s: %v, want an error naming it", name, err)
		}
	}
}

// River UI: behind basic auth with the credentials of the environment, listing the
// delivery's job; absent without them.
func TestRiverUIBehindBasicAuth(t *testing.T) {
	_, databaseURL := testpg.NewPool(t)
	baseURL, _ := conformance.StartExample(t, run, map[string]string{
		core.EnvSecret: secret, "DATABASE_URL": databaseURL, "PORT": "0", "HOST": "127.0.0.1",
		"RIVER_UI_USER": "admin", "RIVER_UI_PASSWORD": "s3cret",
	})
	signer, _ := core.NewSigner(secret)
	body := []byte(`{"id":"evt_ui","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_ui"}}`)
	if status, answer := post(t, baseURL+"/webhooks/openai", body, signer.Headers("wh_river_ui", time.Now(), body)); status != 200 {
		t.Fatalf("delivery: %d %s", status, answer)
	}
	get := func(path, user, password string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, baseURL+path, nil)
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(answer)
	}
	if status, _ := get("/riverui/", "", ""); status != http.StatusUnauthorized {
		t.Errorf("River UI without credentials: %d, want 401", status)
	}
	if status, _ := get("/riverui/api/jobs?state=completed", "admin", "wrong"); status != http.StatusUnauthorized {
		t.Errorf("River UI's API with a wrong password: %d, want 401", status)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, answer := get("/riverui/api/jobs?state=completed", "admin", "s3cret")
		if status == 200 && strings.Contains(answer, "wh_river_ui") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("River UI's API does not list the completed job: %d %.300s", status, answer)
		}
		time.Sleep(50 * time.Millisecond)
	}

	_, otherURL := testpg.NewPool(t)
	plain, _ := conformance.StartExample(t, run, map[string]string{
		core.EnvSecret: secret, "DATABASE_URL": otherURL, "PORT": "0", "HOST": "127.0.0.1",
	})
	resp, err := http.Get(plain + "/riverui/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("River UI without RIVER_UI_USER: %d, want 404 (no UI)", resp.StatusCode)
	}
}
