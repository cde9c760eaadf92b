// Package testbrowser finds Chromium for the tests that drive a page in a real browser
// (chromedp), and fails them, with the command that installs it, when it is missing:
// a passing `go test ./...` means the browser tests ran. Set OPENAI_WEBHOOKS_SKIP_BROWSER=1
// to skip them instead on a machine without Chromium; under CI=true a missing Chromium
// always fails.
package testbrowser

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// EnvSkip names the variable that, set to 1 (or true), skips the browser tests on a
// machine without Chromium instead of failing them. Under CI=true it is ignored.
const EnvSkip = "OPENAI_WEBHOOKS_SKIP_BROWSER"

// MissingMessage is the reason given when Chromium is not found.
const MissingMessage = "Chromium not found: install it (apt-get install -y chromium), or set " + EnvSkip + "=1 to skip the browser tests"

// Names are the executables looked up on PATH, in order.
var Names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"}

var notice sync.Once

// Chromium returns the path of Chromium, or fails t saying how to install it (or skips
// t when EnvSkip asks, outside CI).
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range Names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	testkit.MissingPrerequisite(t, MissingMessage, EnvSkip, "Chromium not found and "+EnvSkip+" is set: the browser tests are SKIPPED", &notice, os.Stderr)
	return ""
}

// New starts a headless Chromium for t, closed when t ends, and returns its context for
// chromedp.Run and chromedp.Do. The browser is started here, without a timeout; bound the
// test's actions with a context derived from the one returned.
func New(t testing.TB) context.Context {
	t.Helper()
	path := Chromium(t)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1600, 900))...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	return browser
}
