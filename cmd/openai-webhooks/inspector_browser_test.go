package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/inspector"
	"github.com/webhookkit/openai-webhooks/internal/secrethint"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testbrowser"
)

// envScreenshot names the variable that asks the browser test to save a screenshot of
// the inspector at this path (relative to the repository root), for docs/.
const envScreenshot = "OPENAI_WEBHOOKS_SCREENSHOT"

// TestInspectorBrowser drives the inspector in headless Chromium: rows appear live with
// their verdicts, a refused delivery shows verify's diagnosis, Replay reaches the app,
// and a hostile body stays text.
func TestInspectorBrowser(t *testing.T) {
	browser := testbrowser.New(t) // Chromium, or the install command (internal/testsupport/testbrowser)
	secret := newSecret(t)
	app := startApp(t, secret)
	p := startListen(t, nil, "--addr", "127.0.0.1:0", "--secret", secret, "--forward-to", app.URL+"/hooks", "--ui", "127.0.0.1:0")
	const marker = "Inspector at "
	stderr := p.stderr.String()
	uiURL, _, _ := strings.Cut(stderr[strings.Index(stderr, marker)+len(marker):], " ")
	if !strings.HasPrefix(uiURL, "http://127.0.0.1:") {
		t.Fatalf("no inspector URL in listen's banner:\n%s", stderr)
	}

	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v\n--- listen stdout\n%s", what, err, p.stdout)
		}
	}
	eval := func(expr string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("evaluating %s: %v", expr, err)
		}
		return v
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.TextContent(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	do("opening the inspector", chromedp.Navigate(uiURL), chromedp.WaitVisible("#live.on"))
	// A reload would lose this: the rows must arrive live.
	do("marking the page", chromedp.Evaluate[chromedp.Void](`window.__sameDocument = true`))

	signer := newSigner(t, secret)
	send := func(s *core.Signer, id string, body []byte) int {
		t.Helper()
		status, _ := post(t, p.url, s.Headers(id, time.Now(), body), "application/json", body)
		return status
	}
	sample := sampleEvent(core.BatchCompleted, time.Now())
	hostile := fmt.Appendf(nil, `{"id": "evt_hostile", "object": "event", "created_at": %d, "type": "<img src=x onerror=\"window.__pwned=1\">", "data": {"note": "<script>window.__pwned=2</script><img src=x onerror=\"window.__pwned=3\">"}}`, time.Now().Unix())
	for _, d := range []struct {
		signer *core.Signer
		id     string
		body   []byte
		want   int
	}{
		{signer, "wh_accepted", sample, http.StatusAccepted},
		{signer, "wh_accepted", sample, http.StatusAccepted}, // a redelivery: duplicate, forwarded too
		{newSigner(t, newSecret(t)), "wh_forged", sample, http.StatusBadRequest},
		{signer, "wh_hostile", hostile, http.StatusAccepted},
	} {
		if got := send(d.signer, d.id, d.body); got != d.want {
			t.Fatalf("delivery %s answered %d, want %d", d.id, got, d.want)
		}
	}

	// shown waits until the detail view shows delivery n.
	shown := func(n int) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](fmt.Sprintf(`!document.getElementById("detail").hidden && document.getElementById("detail-title").textContent.startsWith("#%d ")`, n))
	}
	row := func(id, verdict string) string {
		return fmt.Sprintf(`#rows tr[data-webhook-id=%q][data-verdict=%q]`, id, verdict)
	}
	do("waiting for the rows",
		chromedp.WaitVisible(row("wh_accepted", inspector.Accepted)),
		chromedp.WaitVisible(row("wh_accepted", inspector.Duplicate)),
		chromedp.WaitVisible(row("wh_forged", inspector.Refused)),
		chromedp.WaitVisible(row("wh_hostile", inspector.Accepted)))
	if !eval(`window.__sameDocument === true`) {
		t.Fatal("the page was reloaded: the rows must appear live")
	}
	if got := text(row("wh_forged", inspector.Refused) + " td.verdict"); !strings.Contains(got, "refused 400") || !strings.Contains(got, "no matching webhook signature") {
		t.Errorf("the refused row says %q", got)
	}
	if got := text(row("wh_accepted", inspector.Accepted) + " td.app"); !strings.HasPrefix(got, "202 · ") {
		t.Errorf("the accepted row's app cell says %q, want the app's 202 and latency", got)
	}
	if !eval(`[...document.querySelectorAll("#rows tr")].map(r => Number(r.dataset.n)).join() === "4,3,2,1"`) {
		t.Error("the rows are not newest first")
	}

	// The detail view of the refused delivery shows verify's diagnosis.
	do("opening the refused delivery", chromedp.Click(row("wh_forged", inspector.Refused)+" td.wid"), shown(3))
	wantContains(t, "diagnosis", text("#diagnosis"), "verify: FAILED at the signature check", "signature  FAIL")
	wantContains(t, "headers", text("#headers"), "Webhook-Id: wh_forged", "Webhook-Signature: v1,")
	if strings.Contains(text("body"), secret) || strings.Contains(text("body"), secrethint.Of(secret)) {
		t.Fatal("the page shows the secret")
	}

	// A forgery is offered no re-signing Replay.
	if !eval(`document.querySelector('#rows tr[data-webhook-id="wh_forged"] button[data-action="replay"]').disabled`) {
		t.Error("the forged delivery's Replay button is enabled: it would re-sign a forgery")
	}
	// Webhook-ids and event types never wrap mid-word.
	if !eval(`[...document.querySelectorAll("#rows td.wid, #rows td.type")].every(td => getComputedStyle(td).whiteSpace === "nowrap" && getComputedStyle(td).wordBreak === "normal")`) {
		t.Error("webhook-id or event type cells may wrap mid-word")
	}

	// Replay reaches the app again and shows up as a new row.
	before := app.calls.Get("wh_accepted")
	do("replaying", chromedp.Click(row("wh_accepted", inspector.Accepted)+` button[data-action="replay"]`),
		chromedp.WaitVisible(row("wh_accepted", inspector.Replayed)))
	if got := app.calls.Get("wh_accepted"); got != before+1 {
		t.Fatalf("the app got %d calls for wh_accepted after Replay, want %d", got, before+1)
	}
	wantContains(t, "replayed row", text(row("wh_accepted", inspector.Replayed)), "replay of #1", "202 · ")

	// The hostile body is text: no element made from it, no script run.
	do("opening the hostile delivery", chromedp.Click(row("wh_hostile", inspector.Accepted)+" td.wid"), shown(4))
	wantContains(t, "hostile body", text("#body"), `<script>window.__pwned=2</script>`, `<img src=x onerror=\"window.__pwned=3\">`)
	wantContains(t, "hostile row", text(row("wh_hostile", inspector.Accepted)+" td.type"), `<img src=x onerror="window.__pwned=1">`)
	if !eval(`typeof window.__pwned === "undefined"`) {
		t.Fatal("a script from a delivery's body ran in the inspector")
	}
	if !eval(`document.querySelectorAll("main img, main script").length === 0`) {
		t.Fatal("the inspector made elements out of a delivery's body")
	}

	if path := os.Getenv(envScreenshot); path != "" {
		if !filepath.IsAbs(path) {
			path = filepath.Join("..", "..", path) // relative to the repository root
		}
		do("selecting the refused delivery", chromedp.Click(row("wh_forged", inspector.Refused)+" td.wid"), shown(3))
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot saved at %s", path)
	}
}
