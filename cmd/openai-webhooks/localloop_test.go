package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// testApp is the application under development: a real HTTP server verifying with the
// nethttp adapter and the same secret, recording what reached it.
type testApp struct {
	*httptest.Server
	calls testkit.Counter
	mu    sync.Mutex
	got   []appCall
}

type appCall struct {
	header http.Header
	body   []byte
}

// startApp starts the app: it answers 202 {"app":"ok","call":N} for each verified
// delivery, 500 for webhook-id wh_fail, and counts the calls per webhook-id.
func startApp(t *testing.T, secret string) *testApp {
	t.Helper()
	v, err := core.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	app := &testApp{}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get(core.HeaderID)
		n := app.calls.Add(id)
		app.mu.Lock()
		app.got = append(app.got, appCall{r.Header.Clone(), body})
		app.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if id == "wh_fail" {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"app":"failing on purpose"}`)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"app":"ok","call":%d}`, n)
	})
	app.Server = httptest.NewServer(nethttp.Middleware(v, nethttp.WithLogger(slog.New(slog.DiscardHandler)))(next))
	t.Cleanup(app.Close)
	return app
}

func (a *testApp) last() appCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.got[len(a.got)-1]
}

// post sends body with the webhook headers of h and contentType, and returns the
// status and body of the answer.
func post(t *testing.T, url string, h core.Headers, contentType string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	h.Set(req.Header)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func newSigner(t *testing.T, secret string) *core.Signer {
	t.Helper()
	s, err := core.NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestListenForwardToAndCapture(t *testing.T) {
	secret := newSecret(t)
	app := startApp(t, secret)
	captures := t.TempDir()
	p := startListen(t, nil, "--addr", "127.0.0.1:0", "--secret", secret, "--forward-to", app.URL+"/hooks", "--capture", captures)
	wantContains(t, "listen stderr", p.stderr.String(), "Forwarding every verified delivery, redeliveries included, to "+app.URL+"/hooks", "Capturing every delivery in "+captures)
	signer := newSigner(t, secret)

	// An accepted delivery reaches the app byte for byte; the sender gets the app's answer.
	body := []byte(`{"id": "evt_fwd", "object": "event", "created_at": 1750000000, "type": "batch.completed", "data": {"id": "batch_1"}}` + "\n")
	h := signer.Headers("wh_fwd", time.Now(), body)
	const contentType = "application/json; charset=utf-8"
	status, answer := post(t, p.url, h, contentType, body)
	if status != http.StatusAccepted || answer != `{"app":"ok","call":1}` {
		t.Fatalf("sender got %d %s, want the app's 202 {\"app\":\"ok\",\"call\":1}", status, answer)
	}
	got := app.last()
	if !bytes.Equal(got.body, body) {
		t.Errorf("the app got the body %q, want %q", got.body, body)
	}
	for name, want := range map[string]string{core.HeaderID: h.ID, core.HeaderTimestamp: h.Timestamp, core.HeaderSignature: h.Signature, "Content-Type": contentType} {
		if v := got.header.Values(name); len(v) != 1 || v[0] != want {
			t.Errorf("the app got %s %q, want %q", name, v, want)
		}
	}
	p.waitFor(t, p.stdout, "received  batch.completed  evt_fwd  webhook-id wh_fwd")
	if line := lineWith(p.stdout.String(), "webhook-id wh_fwd"); !regexp.MustCompile(`  app 202 [0-9.]+(µs|ms|s)  data `).MatchString(line) {
		t.Errorf("the line does not show the app's status and latency: %s", line)
	}

	// A redelivery reaches the app too (so it can test its own idempotency).
	status, answer = post(t, p.url, signer.Headers("wh_fwd", time.Now(), body), contentType, body)
	if status != http.StatusAccepted || answer != `{"app":"ok","call":2}` || app.calls.Get("wh_fwd") != 2 {
		t.Fatalf("redelivery: sender got %d %s, the app %d calls; want 202 and 2 calls", status, answer, app.calls.Get("wh_fwd"))
	}
	p.waitFor(t, p.stdout, "duplicate 202  webhook-id wh_fwd  a redelivery")

	// The app's failure is what the sender gets, so OpenAI retries.
	status, answer = post(t, p.url, signer.Headers("wh_fail", time.Now(), body), contentType, body)
	if status != http.StatusInternalServerError || answer != `{"app":"failing on purpose"}` {
		t.Fatalf("sender got %d %s, want the app's 500", status, answer)
	}

	// A forged delivery is refused by listen and never reaches the app.
	forged := newSigner(t, newSecret(t)).Headers("wh_forged", time.Now(), body)
	status, _ = post(t, p.url, forged, contentType, body)
	if status != http.StatusBadRequest || app.calls.Get("wh_forged") != 0 {
		t.Fatalf("forged: %d with %d app calls, want 400 and none", status, app.calls.Get("wh_forged"))
	}
	p.waitFor(t, p.stdout, "rejected  400  webhook-id wh_forged  no matching webhook signature")

	// The app down: 502 with a clear line, and listen goes on.
	app.Close()
	for i := range 2 {
		status, answer = post(t, p.url, signer.Headers("wh_down"+strconv.Itoa(i), time.Now(), body), contentType, body)
		if status != http.StatusBadGateway || strings.Contains(answer, "127.0.0.1") {
			t.Fatalf("app down: %d %s, want 502 without the app's address", status, answer)
		}
		p.waitFor(t, p.stdout, "webhook-id wh_down"+strconv.Itoa(i)+"  age")
	}
	wantContains(t, "listen stdout", p.stdout.String(), "app unreachable (connection refused: is the app running?): answered 502")

	// One capture file per delivery, in arrival order, each one verify --request reads.
	entries, err := os.ReadDir(captures)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	wantIDs := []string{"wh_fwd", "wh_fwd", "wh_fail", "wh_forged", "wh_down0", "wh_down1"}
	if len(names) != len(wantIDs) || !sort.StringsAreSorted(names) {
		t.Fatalf("captures %v, want %d files in order", names, len(wantIDs))
	}
	for i, name := range names {
		if !regexp.MustCompile(fmt.Sprintf(`^%06d-\d{8}T\d{6}\.\d{3}Z-%s\.http$`, i+1, wantIDs[i])).MatchString(name) {
			t.Errorf("capture %d is named %q", i+1, name)
		}
		r := runCLI(t, "", nil, "verify", "--request", filepath.Join(captures, name), "--secret", secret)
		if wantIDs[i] == "wh_forged" {
			wantCode(t, r, 1)
			wantContains(t, "verify of the forged capture", r.stdout, "FAILED at the signature check")
			continue
		}
		wantCode(t, r, 0)
		wantContains(t, "verify --request "+name, r.stdout, "verify: OK: a genuine delivery, batch.completed evt_fwd (webhook-id "+wantIDs[i]+")")
	}
}

func TestListenForwardToUsage(t *testing.T) {
	for _, tc := range []struct{ args []string }{
		{[]string{"listen", "--forward-to", "localhost:8080"}},
		{[]string{"listen", "--forward-to", "ftp://x/"}},
		{[]string{"listen", "--ui", "nonsense"}},
		{[]string{"listen", "--history", "0"}},
	} {
		r := runCLI(t, "", nil, tc.args...)
		wantCode(t, r, 2)
	}
	port, err := testkit.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	r := runCLI(t, "", nil, "listen", "--addr", addr, "--forward-to", "http://localhost:"+strconv.Itoa(port)+"/webhooks/openai")
	wantCode(t, r, 2)
	wantContains(t, "listen forwarding to itself", r.stderr, "is this receiver itself")
}
