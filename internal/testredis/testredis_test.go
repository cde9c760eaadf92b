package testredis

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStart(t *testing.T) {
	client := Start(t)
	ctx := context.Background()
	t.Cleanup(func() { client.Del(context.Background(), "testredis:probe") })
	if err := client.Set(ctx, "testredis:probe", "ok", time.Minute).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if got, err := client.Get(ctx, "testredis:probe").Result(); err != nil || got != "ok" {
		t.Fatalf("GET = %q, %v", got, err)
	}
}

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

func startWith(t *testing.T) *recorder {
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(rec)
	}()
	<-done
	return rec
}

// Without Redis, and without the opt-out, the test fails: a passing `go test ./...`
// means the Redis tests ran.
func TestMissingRedisFails(t *testing.T) {
	t.Setenv(EnvURL, "")
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", "")
	t.Setenv(EnvSkip, "")
	rec := startWith(t)
	if rec.skipped != "" || !strings.Contains(rec.failed, "redis-server not found") || !strings.Contains(rec.failed, EnvSkip+"=1") {
		t.Fatalf("skipped %q, failed %q; want a failure naming redis-server and %s=1", rec.skipped, rec.failed, EnvSkip)
	}
}

func TestMissingRedisSkipsLoudlyWhenAsked(t *testing.T) {
	var notice strings.Builder
	stderr, warnOnce = &notice, new(sync.Once)
	t.Cleanup(func() { stderr = os.Stderr })
	t.Setenv(EnvURL, "")
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", "")
	t.Setenv(EnvSkip, "1")
	rec := startWith(t)
	if rec.failed != "" || !strings.Contains(rec.skipped, "redis-server not found") || !strings.Contains(rec.skipped, "SKIPPED") {
		t.Fatalf("skipped %q, failed %q; want a skip naming redis-server and SKIPPED", rec.skipped, rec.failed)
	}
	if !strings.Contains(notice.String(), "!!! redis-server not found") {
		t.Fatalf("stderr notice = %q; want the loud notice", notice.String())
	}
}

func TestMissingRedisFailsUnderCI(t *testing.T) {
	t.Setenv(EnvURL, "")
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", "true")
	t.Setenv(EnvSkip, "1") // the opt-out does not hold in CI
	rec := startWith(t)
	if rec.skipped != "" || !strings.Contains(rec.failed, "redis-server not found") {
		t.Fatalf("skipped %q, failed %q; want a failure under CI=true", rec.skipped, rec.failed)
	}
}

func TestBadURLFails(t *testing.T) {
	t.Setenv(EnvURL, "not a url")
	rec := startWith(t)
	if !strings.Contains(rec.failed, EnvURL) {
		t.Fatalf("failed %q; want a failure naming %s", rec.failed, EnvURL)
	}
}
