package testredis

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
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

func startWith(t *testing.T) *testkit.Recorder {
	return testkit.Record(t, func(tb testing.TB) { Start(tb) })
}

// Without Redis, and without the opt-out, the test fails: a passing `go test ./...`
// means the Redis tests ran.
func TestMissingRedisFails(t *testing.T) {
	t.Setenv(EnvURL, "")
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", "")
	t.Setenv(EnvSkip, "")
	rec := startWith(t)
	if rec.SkippedWith != "" || !strings.Contains(rec.FailedWith, "redis-server not found") || !strings.Contains(rec.FailedWith, EnvSkip+"=1") {
		t.Fatalf("skipped %q, failed %q; want a failure naming redis-server and %s=1", rec.SkippedWith, rec.FailedWith, EnvSkip)
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
	if rec.FailedWith != "" || !strings.Contains(rec.SkippedWith, "redis-server not found") || !strings.Contains(rec.SkippedWith, "SKIPPED") {
		t.Fatalf("skipped %q, failed %q; want a skip naming redis-server and SKIPPED", rec.SkippedWith, rec.FailedWith)
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
	if rec.SkippedWith != "" || !strings.Contains(rec.FailedWith, "redis-server not found") {
		t.Fatalf("skipped %q, failed %q; want a failure under CI=true", rec.SkippedWith, rec.FailedWith)
	}
}

func TestBadURLFails(t *testing.T) {
	t.Setenv(EnvURL, "not a url")
	rec := startWith(t)
	if !strings.Contains(rec.FailedWith, EnvURL) {
		t.Fatalf("failed %q; want a failure naming %s", rec.FailedWith, EnvURL)
	}
}
