package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/inspector"
)

// inspectorSetup is listen's receiver and inspector in this process, on loopback.
type inspectorSetup struct {
	secret   string
	receiver *httptest.Server // deliveries go to receiver.URL + /webhooks/openai
	ui       *httptest.Server
}

func startInspector(t *testing.T, secret, forwardTo string, keep int) *inspectorSetup {
	t.Helper()
	v, err := core.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	opts := listenOptions{path: "/webhooks/openai", forwardTo: forwardTo, history: keep}
	rcv, out := newListenParts(opts, secret, v, nil, io.Discard, io.Discard, time.Now)
	s := &inspectorSetup{secret: secret, receiver: httptest.NewServer(rcv)}
	t.Cleanup(s.receiver.Close)
	out.inspector = newInspector(rcv, out, opts, s.receiver.URL+"/webhooks/openai")
	s.ui = httptest.NewServer(out.inspector.Handler("127.0.0.1"))
	t.Cleanup(s.ui.Close)
	return s
}

func (s *inspectorSetup) deliver(t *testing.T, signWith, id string) int {
	t.Helper()
	body := sampleEvent(core.BatchCompleted, time.Now())
	status, _ := post(t, s.receiver.URL+"/webhooks/openai", newSigner(t, signWith).Headers(id, time.Now(), body), "application/json", body)
	return status
}

// do sends a request to the inspector with the given Host and extra headers.
func (s *inspectorSetup) do(t *testing.T, method, path, host string, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.ui.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// detail is one delivery whole, as the page fetches it.
func (s *inspectorSetup) detail(t *testing.T, n int64) inspector.Detail {
	t.Helper()
	status, body := s.do(t, http.MethodGet, fmt.Sprintf("/api/deliveries/%d", n), "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/deliveries/%d: %d %s", n, status, body)
	}
	var d inspector.Detail
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("GET /api/deliveries/%d: %v\n%s", n, err, body)
	}
	return d
}

func (s *inspectorSetup) deliveries(t *testing.T) inspector.Info {
	t.Helper()
	status, body := s.do(t, http.MethodGet, "/api/deliveries", "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/deliveries: %d %s", status, body)
	}
	var info inspector.Info
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatalf("GET /api/deliveries: %v\n%s", err, body)
	}
	return info
}

func TestInspectorAPI(t *testing.T) {
	secret := newSecret(t)
	app := startApp(t, secret)
	s := startInspector(t, secret, app.URL+"/hooks", 10)
	if got := s.deliver(t, secret, "wh_ok"); got != http.StatusAccepted {
		t.Fatalf("accepted delivery answered %d", got)
	}
	if got := s.deliver(t, secret, "wh_ok"); got != http.StatusAccepted {
		t.Fatalf("duplicate answered %d", got)
	}
	if got := s.deliver(t, newSecret(t), "wh_forged"); got != http.StatusBadRequest {
		t.Fatalf("forged delivery answered %d", got)
	}

	status, raw := s.do(t, http.MethodGet, "/api/deliveries", "", nil)
	if status != http.StatusOK {
		t.Fatal(status, raw)
	}
	for _, leak := range []string{secret, strings.TrimPrefix(secret, "whsec_")[:8]} {
		if strings.Contains(raw, leak) {
			t.Fatalf("the API shows the secret (%q)", leak)
		}
	}
	info := s.deliveries(t)
	if info.Receiver != s.receiver.URL+"/webhooks/openai" || info.ForwardTo != app.URL+"/hooks" || info.History != 10 {
		t.Errorf("info %+v", info)
	}
	if len(info.Deliveries) != 3 {
		t.Fatalf("%d deliveries, want 3", len(info.Deliveries))
	}
	// The list carries no body: each delivery's is fetched on its own.
	if strings.Contains(raw, "batch_") || strings.Contains(raw, "Webhook-Signature") {
		t.Errorf("the list carries bodies or headers:\n%s", raw)
	}
	forged, dup, ok := info.Deliveries[0], info.Deliveries[1], info.Deliveries[2]
	okDetail := s.detail(t, 1)
	if ok.N != 1 || ok.Verdict != inspector.Accepted || ok.WebhookID != "wh_ok" || ok.Type != "batch.completed" || !strings.HasPrefix(ok.EventID, "evt_") ||
		ok.Status != http.StatusAccepted || ok.App == nil || ok.App.Status != http.StatusAccepted || ok.App.LatencyMS <= 0 || !ok.Resign ||
		!strings.Contains(okDetail.Body, `"type": "batch.completed"`) || okDetail.Headers["Webhook-Id"][0] != "wh_ok" || okDetail.Diagnosis != "" {
		t.Errorf("accepted delivery %+v\n%+v", ok, okDetail)
	}
	if dup.N != 2 || dup.Verdict != inspector.Duplicate || dup.App == nil {
		t.Errorf("duplicate %+v", dup)
	}
	forgedDetail := s.detail(t, 3)
	if forged.N != 3 || forged.Verdict != inspector.Refused || forged.Status != http.StatusBadRequest || forged.App != nil || forged.Resign ||
		!strings.Contains(forged.Reason, "no matching webhook signature") ||
		!strings.Contains(forgedDetail.Diagnosis, "verify: FAILED at the signature check") || strings.Contains(forgedDetail.Diagnosis, strings.TrimPrefix(secret, "whsec_")[:5]) {
		t.Errorf("refused delivery %+v\n%+v", forged, forgedDetail)
	}

	// A forgery is not re-signed: the inspector is no signing oracle.
	status, raw = s.do(t, http.MethodPost, "/api/deliveries/3/replay", "", map[string]string{"Sec-Fetch-Site": "same-origin"})
	if status != http.StatusConflict || !strings.Contains(raw, "does not verify under listen's secret") || app.calls.Get("wh_forged") != 0 {
		t.Fatalf("replay of a forgery: %d %s; app calls %d", status, raw, app.calls.Get("wh_forged"))
	}

	// Replay: re-signed, to the app, a new entry.
	status, raw = s.do(t, http.MethodPost, "/api/deliveries/1/replay", "", map[string]string{"Sec-Fetch-Site": "same-origin"})
	if status != http.StatusOK {
		t.Fatalf("replay: %d %s", status, raw)
	}
	var replayed inspector.Summary
	if err := json.Unmarshal([]byte(raw), &replayed); err != nil {
		t.Fatal(err)
	}
	if replayed.N != 4 || replayed.Verdict != inspector.Replayed || replayed.ReplayOf != 1 || replayed.App == nil || replayed.App.Status != http.StatusAccepted ||
		replayed.WebhookID != "wh_ok" || app.calls.Get("wh_ok") != 3 {
		t.Errorf("replay %+v; app calls %d", replayed, app.calls.Get("wh_ok"))
	}
	if got := s.deliveries(t).Deliveries[0]; got.N != 4 {
		t.Errorf("the replay is not the newest entry: %+v", got)
	}
	if status, _ := s.do(t, http.MethodPost, "/api/deliveries/99/replay", "", nil); status != http.StatusNotFound {
		t.Errorf("replay of an unknown delivery: %d, want 404", status)
	}
	if status, _ := s.do(t, http.MethodGet, "/api/deliveries/1/replay", "", nil); status != http.StatusMethodNotAllowed {
		t.Errorf("GET of replay: %d, want 405", status)
	}

	// The page and its assets are served, with a strict content security policy.
	req, _ := http.NewRequest(http.MethodGet, s.ui.URL+"/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `<script src="/app.js"`) || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("GET /: %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	for _, asset := range []string{"/app.js", "/style.css"} {
		if status, _ := s.do(t, http.MethodGet, asset, "", nil); status != http.StatusOK {
			t.Errorf("GET %s: %d", asset, status)
		}
	}
}

func TestInspectorRefusesOtherHosts(t *testing.T) {
	s := startInspector(t, newSecret(t), "", 10)
	port := s.ui.URL[strings.LastIndex(s.ui.URL, ":"):]
	for host, want := range map[string]int{
		"127.0.0.1" + port:           http.StatusOK,
		"localhost" + port:           http.StatusOK,
		"LOCALHOST.":                 http.StatusOK,
		"[::1]" + port:               http.StatusOK,
		"inspector.localhost" + port: http.StatusOK,
		"attacker.example" + port:    http.StatusForbidden, // DNS rebinding: a name that resolves here
		"192.168.1.10" + port:        http.StatusForbidden,
		"localhost.attacker.example": http.StatusForbidden,
	} {
		for _, path := range []string{"/", "/api/deliveries"} {
			if got, body := s.do(t, http.MethodGet, path, host, nil); got != want {
				t.Errorf("GET %s with Host %q: %d %s, want %d", path, host, got, body, want)
			}
		}
	}
}

func TestInspectorRefusesCrossOriginPosts(t *testing.T) {
	secret := newSecret(t)
	app := startApp(t, secret)
	s := startInspector(t, secret, app.URL+"/hooks", 10)
	s.deliver(t, secret, "wh_csrf")
	for _, headers := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "http://attacker.example"},
	} {
		if status, body := s.do(t, http.MethodPost, "/api/deliveries/1/replay", "", headers); status != http.StatusForbidden {
			t.Errorf("POST with %v: %d %s, want 403", headers, status, body)
		}
	}
	if n := app.calls.Get("wh_csrf"); n != 1 {
		t.Fatalf("the app got %d calls, want only the delivery itself", n)
	}
	if status, body := s.do(t, http.MethodPost, "/api/deliveries/1/replay", "", map[string]string{"Origin": s.ui.URL}); status != http.StatusOK {
		t.Fatalf("same-origin POST: %d %s", status, body)
	}
	if n := app.calls.Get("wh_csrf"); n != 2 {
		t.Fatalf("the app got %d calls after a same-origin replay, want 2", n)
	}
}

func TestInspectorBoundedHistory(t *testing.T) {
	secret := newSecret(t)
	app := startApp(t, secret)
	s := startInspector(t, secret, app.URL+"/hooks", 3)
	for i := range 5 {
		s.deliver(t, secret, "wh_"+string(rune('a'+i)))
	}
	info := s.deliveries(t)
	var ns []int64
	for _, d := range info.Deliveries {
		ns = append(ns, d.N)
	}
	if len(ns) != 3 || ns[0] != 5 || ns[1] != 4 || ns[2] != 3 {
		t.Fatalf("kept %v, want [5 4 3]", ns)
	}
	status, body := s.do(t, http.MethodPost, "/api/deliveries/1/replay", "", nil)
	if status != http.StatusNotFound || !strings.Contains(body, "keeps the last 3") {
		t.Fatalf("replay of a forgotten delivery: %d %s", status, body)
	}
}

func TestInspectorReplayNeedsAnApp(t *testing.T) {
	secret := newSecret(t)
	s := startInspector(t, secret, "", 10)
	if got := s.deliver(t, secret, "wh_x"); got != http.StatusOK {
		t.Fatalf("delivery answered %d", got)
	}
	status, body := s.do(t, http.MethodPost, "/api/deliveries/1/replay", "", nil)
	if status != http.StatusConflict || !strings.Contains(body, "--forward-to") {
		t.Fatalf("replay without an app: %d %s", status, body)
	}
}

func TestInspectorAddr(t *testing.T) {
	for in, want := range map[string]string{"4000": "127.0.0.1:4000", ":4000": "127.0.0.1:4000", "0.0.0.0:4000": "0.0.0.0:4000", "localhost:0": "localhost:0"} {
		if got, err := inspectorAddr(in); err != nil || got != want {
			t.Errorf("inspectorAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
