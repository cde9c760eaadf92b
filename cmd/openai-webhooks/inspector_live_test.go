package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/inspector"
)

// TestListenUILiveFeedAndStop: the inspector's event stream sends each delivery as it
// arrives, --json lines carry the app's answer, and listen stops promptly while a page
// is still connected.
func TestListenUILiveFeedAndStop(t *testing.T) {
	secret := newSecret(t)
	app := startApp(t, secret)
	p := startListen(t, nil, "--addr", "127.0.0.1:0", "--secret", secret, "--forward-to", app.URL+"/hooks", "--ui", "127.0.0.1:0", "--history", "7", "--json")
	const marker = "Inspector at "
	stderr := p.stderr.String()
	uiURL, _, _ := strings.Cut(stderr[strings.Index(stderr, marker)+len(marker):], " ")
	wantContains(t, "listen stderr", stderr, "(keeps the last 7 deliveries)")

	resp, err := http.Get(uiURL + "api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("event stream content type %q", ct)
	}
	events := bufio.NewReader(resp.Body)
	readEvent := func() (string, string) {
		t.Helper()
		var name, data string
		for {
			line, err := events.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the event stream: %v", err)
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && name != "":
				return name, data
			}
		}
	}
	if name, data := readEvent(); name != "snapshot" || !strings.Contains(data, `"history":7`) || !strings.Contains(data, `"deliveries":[]`) {
		t.Fatalf("first event %s %s", name, data)
	}
	body := sampleEvent(core.BatchCompleted, time.Now())
	if status, _ := post(t, p.url, newSigner(t, secret).Headers("wh_live", time.Now(), body), "application/json", body); status != http.StatusAccepted {
		t.Fatalf("status %d", status)
	}
	name, data := readEvent()
	var d inspector.Summary
	if err := json.Unmarshal([]byte(data), &d); name != "delivery" || err != nil || d.WebhookID != "wh_live" || d.Verdict != inspector.Accepted || d.App == nil || d.App.Status != http.StatusAccepted {
		t.Fatalf("live event %s %s (%v)", name, data, err)
	}
	p.waitFor(t, p.stdout, `"webhook_id":"wh_live"`)
	var line listenLine
	if err := json.Unmarshal([]byte(lineWith(p.stdout.String(), `"webhook_id":"wh_live"`)), &line); err != nil {
		t.Fatal(err)
	}
	if line.Outcome != "received" || line.N != 1 || line.Status != http.StatusAccepted || line.AppStatus != http.StatusAccepted || line.AppLatencyMS == nil {
		t.Fatalf("--json line %+v", line)
	}

	start := time.Now()
	p.stop(t, os.Interrupt)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("listen took %s to stop with a page connected", d)
	}
}
