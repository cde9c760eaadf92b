package main

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// TestListenBindsLoopbackByDefault: without --addr the receiver is on 127.0.0.1, where
// a tunnel reaches it, not on every interface.
func TestListenBindsLoopbackByDefault(t *testing.T) {
	r := runCLI(t, "", nil, "listen", "-h")
	wantCode(t, r, 0)
	wantContains(t, "listen -h", r.stdout, "--addr ADDR", "(default 127.0.0.1:3000)")
	ln, err := net.Listen("tcp", ":3000")
	if err != nil {
		t.Logf("port 3000 is taken here: only the usage is checked (%v)", err)
		return
	}
	_ = ln.Close()
	p := startListen(t, nil, "--secret", newSecret(t))
	if p.url != "http://127.0.0.1:3000/webhooks/openai" {
		t.Fatalf("listen without --addr receives at %s, want http://127.0.0.1:3000/webhooks/openai", p.url)
	}
}

// uiURLOf is the inspector's URL from listen's banner.
func uiURLOf(t *testing.T, p *listenProcess) string {
	t.Helper()
	const marker = "Inspector at "
	stderr := p.stderr.String()
	i := strings.Index(stderr, marker)
	if i < 0 {
		t.Fatalf("no inspector URL in listen's banner:\n%s", stderr)
	}
	u, _, _ := strings.Cut(stderr[i+len(marker):], " ")
	return u
}

// get fetches url and returns its status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// keyLeaks lists the texts that would give away more of secret's key than the
// 4-character hint: 5 leading characters and every 8-character run of each encoding
// of the key (the text after whsec_, its bytes in standard, URL-safe and unpadded
// base64, in hex).
func keyLeaks(t *testing.T, secret string) []string {
	t.Helper()
	bare := strings.TrimPrefix(secret, "whsec_")
	key, err := base64.StdEncoding.DecodeString(bare)
	if err != nil {
		t.Fatal(err)
	}
	var leaks []string
	for _, enc := range []string{
		bare,
		base64.StdEncoding.EncodeToString(key), base64.URLEncoding.EncodeToString(key),
		base64.RawStdEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key),
		hex.EncodeToString(key), strings.ToUpper(hex.EncodeToString(key)),
	} {
		enc = strings.TrimRight(enc, "=")
		leaks = append(leaks, enc[:5])
		for i := 0; i+8 <= len(enc); i++ {
			leaks = append(leaks, enc[i:i+8])
		}
	}
	return leaks
}

// TestInspectorNeverShowsTheSecret: however a sender mistook the secret (HMAC keyed
// with the text after whsec_, or with the whole text), no page, API answer, live event,
// printed line or banner holds more of the key than its 4-character hint.
func TestInspectorNeverShowsTheSecret(t *testing.T) {
	secret := newSecret(t)
	app := startApp(t, secret)
	p := startListen(t, nil, "--addr", "127.0.0.1:0", "--secret", secret, "--forward-to", app.URL+"/hooks", "--ui", "127.0.0.1:0")
	ui := uiURLOf(t, p)

	now := time.Now()
	mac := func(key []byte, id string, body []byte) core.Headers {
		ts := fmt.Sprint(now.Unix())
		m := hmac.New(sha256.New, key)
		fmt.Fprintf(m, "%s.%s.%s", id, ts, body)
		return core.Headers{ID: id, Timestamp: ts, Signature: "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))}
	}
	body := sampleEvent(core.BatchCompleted, now)
	bare := strings.TrimPrefix(secret, "whsec_")
	for _, d := range []struct {
		h    core.Headers
		want int
	}{
		{mac([]byte(bare), "wh_bare_text", body), http.StatusBadRequest},
		{mac([]byte(secret), "wh_whole_text", body), http.StatusBadRequest},
		{newSigner(t, newSecret(t)).Headers("wh_other", now, body), http.StatusBadRequest},
		{newSigner(t, secret).Headers("wh_stale", now.Add(-10*time.Minute), body), http.StatusBadRequest},
		{newSigner(t, secret).Headers("wh_good", now, body), http.StatusAccepted},
	} {
		if status, answer := post(t, p.url, d.h, "application/json", body); status != d.want {
			t.Fatalf("%s answered %d %s, want %d", d.h.ID, status, answer, d.want)
		}
	}
	p.waitFor(t, p.stdout, "wh_good")

	pages := map[string]string{"listen's banner": p.stderr.String(), "listen's output": p.stdout.String()}
	for _, path := range []string{"", "app.js", "style.css", "api/deliveries", "api/deliveries/1", "api/deliveries/2", "api/deliveries/3", "api/deliveries/4", "api/deliveries/5"} {
		_, pages[path] = get(t, ui+path)
	}
	// The diagnoses are what would carry the key: they must be there, and made.
	for n := 1; n <= 2; n++ {
		var d struct {
			Diagnosis string `json:"diagnosis"`
		}
		page := pages[fmt.Sprintf("api/deliveries/%d", n)]
		if err := json.Unmarshal([]byte(page), &d); err != nil || !strings.Contains(strings.Join(strings.Fields(d.Diagnosis), " "), "The sender keyed HMAC with the secret text") {
			t.Errorf("delivery #%d's diagnosis does not find the mistake: %v\n%s", n, err, page)
		}
	}
	resp, err := http.Get(ui + "api/events")
	if err != nil {
		t.Fatal(err)
	}
	events := bufio.NewReader(resp.Body)
	snapshot, err := events.ReadString('\n')
	for err == nil && !strings.HasPrefix(snapshot, "data: ") {
		snapshot, err = events.ReadString('\n')
	}
	resp.Body.Close()
	pages["api/events"] = snapshot

	for what, text := range pages {
		for _, leak := range keyLeaks(t, secret) {
			if strings.Contains(text, leak) {
				t.Errorf("%s holds %q, part of the key:\n%s", what, leak, text)
				break
			}
		}
	}
}

// TestInspectorShowsTheAppsFailure: a delivery the app answered 500 is shown failed,
// not accepted.
func TestInspectorShowsTheAppsFailure(t *testing.T) {
	secret := newSecret(t)
	app := startApp(t, secret)
	p := startListen(t, nil, "--addr", "127.0.0.1:0", "--secret", secret, "--forward-to", app.URL+"/hooks", "--ui", "127.0.0.1:0")
	body := sampleEvent(core.BatchCompleted, time.Now())
	if status, _ := post(t, p.url, newSigner(t, secret).Headers("wh_fail", time.Now(), body), "application/json", body); status != http.StatusInternalServerError {
		t.Fatalf("the app's failure was answered %d, want its 500", status)
	}
	p.waitFor(t, p.stdout, "wh_fail")
	_, list := get(t, uiURLOf(t, p)+"api/deliveries")
	var info struct {
		Deliveries []struct {
			Verdict string `json:"verdict"`
			App     struct {
				Status int `json:"status"`
			} `json:"app"`
		} `json:"deliveries"`
	}
	if err := json.Unmarshal([]byte(list), &info); err != nil || len(info.Deliveries) != 1 {
		t.Fatalf("GET /api/deliveries: %v\n%s", err, list)
	}
	if d := info.Deliveries[0]; d.Verdict != "failed" || d.App.Status != http.StatusInternalServerError {
		t.Fatalf("the app's 500 is shown as %+v, want verdict failed", d)
	}
}

// TestListenBannerHintsTheSecret: the banner names the secret by its 4-character hint,
// whether it was given with its whsec_ prefix or as bare base64.
func TestListenBannerHintsTheSecret(t *testing.T) {
	secret := newSecret(t)
	for _, given := range []string{secret, strings.TrimPrefix(secret, "whsec_")} {
		p := startListen(t, nil, "--addr", "127.0.0.1:0", "--secret", given)
		banner := p.stderr.String()
		wantContains(t, "banner", banner, "secret from --secret (")
		for _, leak := range keyLeaks(t, secret) {
			if strings.Contains(banner, leak) {
				t.Errorf("the banner holds %q, part of the key:\n%s", leak, banner)
				break
			}
		}
	}
}
