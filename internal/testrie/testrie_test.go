package testrie

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// recorder stands in for a testing.TB to observe Skip and Fatal.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Skip(args ...any)  { r.skipped = fmt.Sprint(args...); runtime.Goexit() }
func (r *recorder) Fatal(args ...any) { r.failed = fmt.Sprint(args...); runtime.Goexit() }
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// startWithout starts a function with no emulator to be found.
func startWithout(t *testing.T, ci, skip string) *recorder {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("GOPATH", t.TempDir())
	t.Setenv("CI", ci)
	t.Setenv(EnvSkip, skip)
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(rec, "/nonexistent/bootstrap")
	}()
	<-done
	return rec
}

// Without the emulator, and without the opt-out, the test fails with the install
// command: a passing `go test ./...` means the emulator tests ran.
func TestMissingEmulatorFails(t *testing.T) {
	rec := startWithout(t, "", "")
	if rec.skipped != "" || !strings.Contains(rec.failed, Install) || !strings.Contains(rec.failed, EnvSkip+"=1") {
		t.Fatalf("skipped %q, failed %q; want a failure with %q and %s=1", rec.skipped, rec.failed, Install, EnvSkip)
	}
}

func TestMissingEmulatorSkipsLoudlyWhenAsked(t *testing.T) {
	var notice strings.Builder
	stderr, warnOnce = &notice, new(sync.Once)
	t.Cleanup(func() { stderr = os.Stderr })
	rec := startWithout(t, "", "1")
	if rec.failed != "" || !strings.Contains(rec.skipped, "aws-lambda-rie not found") || !strings.Contains(rec.skipped, "SKIPPED") {
		t.Fatalf("skipped %q, failed %q; want a skip naming aws-lambda-rie and SKIPPED", rec.skipped, rec.failed)
	}
	if !strings.Contains(notice.String(), "!!! aws-lambda-rie not found") {
		t.Fatalf("stderr notice = %q; want the loud notice", notice.String())
	}
}

func TestMissingEmulatorFailsUnderCI(t *testing.T) {
	rec := startWithout(t, "true", "1") // the opt-out does not hold in CI
	if rec.skipped != "" || !strings.Contains(rec.failed, Install) {
		t.Fatalf("skipped %q, failed %q; want a failure under CI=true", rec.skipped, rec.failed)
	}
}
