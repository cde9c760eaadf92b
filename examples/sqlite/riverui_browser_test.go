package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testbrowser"
)

// TestRiverUIInBrowser opens River UI in headless Chromium with the credentials of the
// environment, and finds the job of a delivery, completed, and a dead letter.
func TestRiverUIInBrowser(t *testing.T) {
	browser := testbrowser.New(t)
	e := startExample(t, map[string]string{"RIVER_UI_USER": "admin", "RIVER_UI_PASSWORD": "s3cret", "FAIL_EVENT_TYPE": "batch.failed", "MAX_ATTEMPTS": "1"})
	if status, body := e.deliver(t, "wh_browser_ok", core.BatchCompleted); status != 200 {
		t.Fatalf("delivery: %d %s", status, body)
	}
	if status, body := e.deliver(t, "wh_browser_dead", core.BatchFailed); status != 200 {
		t.Fatalf("delivery: %d %s", status, body)
	}
	waitFor(t, "the jobs worked", 30*time.Second, func() (bool, string) {
		s := jobStates(t, e.path)
		return s["completed"] == 1 && s["discarded"] == 1, fmt.Sprint(s)
	})

	ctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:s3cret"))
	withCredentials := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}})
		return err
	})
	pageShows := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.body && document.body.innerText.includes(%q)`, text))
	}
	for _, c := range []struct{ state, kind, id string }{
		{"completed", "openai_webhook", "wh_browser_ok"},
		{"discarded", "openai_webhook", "wh_browser_dead"},
	} {
		err := chromedp.Do(ctx, withCredentials, chromedp.Navigate(e.url+"/riverui/jobs?state="+c.state), pageShows(c.kind), pageShows(c.id))
		if err != nil {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			t.Fatalf("River UI's %s jobs: %v; the page shows:\n%.2000s", c.state, err, page)
		}
	}
	if page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`)); strings.Contains(page, "wh_browser_ok") {
		t.Errorf("the discarded jobs' page lists the completed job:\n%.2000s", page)
	}
}
