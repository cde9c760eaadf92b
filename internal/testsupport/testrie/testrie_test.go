package testrie

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// startWithout starts a function with no emulator to be found.
func startWithout(t *testing.T, ci, skip string) *testkit.Recorder {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("GOPATH", t.TempDir())
	t.Setenv("CI", ci)
	t.Setenv(EnvSkip, skip)
	rec := testkit.Record(t, func(tb testing.TB) { Start(tb, "/nonexistent/bootstrap") })
	return rec
}

// Without the emulator, and without the opt-out, the test fails with the install
// command: a passing `go test ./...` means the emulator tests ran.
func TestMissingEmulatorFails(t *testing.T) {
	rec := startWithout(t, "", "")
	if rec.SkippedWith != "" || !strings.Contains(rec.FailedWith, Install) || !strings.Contains(rec.FailedWith, EnvSkip+"=1") {
		t.Fatalf("skipped %q, failed %q; want a failure with %q and %s=1", rec.SkippedWith, rec.FailedWith, Install, EnvSkip)
	}
}

func TestMissingEmulatorSkipsLoudlyWhenAsked(t *testing.T) {
	var notice strings.Builder
	stderr, warnOnce = &notice, new(sync.Once)
	t.Cleanup(func() { stderr = os.Stderr })
	rec := startWithout(t, "", "1")
	if rec.FailedWith != "" || !strings.Contains(rec.SkippedWith, "aws-lambda-rie not found") || !strings.Contains(rec.SkippedWith, "SKIPPED") {
		t.Fatalf("skipped %q, failed %q; want a skip naming aws-lambda-rie and SKIPPED", rec.SkippedWith, rec.FailedWith)
	}
	if !strings.Contains(notice.String(), "!!! aws-lambda-rie not found") {
		t.Fatalf("stderr notice = %q; want the loud notice", notice.String())
	}
}

func TestMissingEmulatorFailsUnderCI(t *testing.T) {
	rec := startWithout(t, "true", "1") // the opt-out does not hold in CI
	if rec.SkippedWith != "" || !strings.Contains(rec.FailedWith, Install) {
		t.Fatalf("skipped %q, failed %q; want a failure under CI=true", rec.SkippedWith, rec.FailedWith)
	}
}
