package testpg

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

func TestMain(m *testing.M) { os.Exit(Run(m)) }

func TestNewGivesEachTestItsOwnDatabase(t *testing.T) {
	ctx := context.Background()
	var urls []string
	for i := range 2 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			pool, url := NewPool(t)
			urls = append(urls, url)
			if _, err := pool.Exec(ctx, "CREATE TABLE probe (n int)"); err != nil {
				t.Fatalf("CREATE TABLE in a fresh database: %v", err)
			}
			if _, err := pool.Exec(ctx, "INSERT INTO probe VALUES ($1)", i); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := pool.QueryRow(ctx, "SELECT count(*) FROM probe").Scan(&n); err != nil || n != 1 {
				t.Fatalf("count = %d, %v; want 1 (a table of another test is visible?)", n, err)
			}
		})
	}
	if len(urls) == 2 && urls[0] == urls[1] {
		t.Fatalf("both tests got %s", urls[0])
	}
}

func TestStoppedServerRefusesConnections(t *testing.T) {
	s := StartServer(t)
	url := s.NewDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to a running server: %v", err)
	}
	_ = conn.Close(ctx)
	s.Stop()
	if _, err := os.Stat(s.dir); !os.IsNotExist(err) {
		t.Fatalf("directory %s still there after Stop (%v)", s.dir, err)
	}
	if conn, err := pgx.Connect(ctx, url); err == nil {
		_ = conn.Close(ctx)
		t.Fatal("connected to a stopped server")
	}
	s.Stop() // a second Stop is harmless
}

func TestWithSearchPath(t *testing.T) {
	for base, want := range map[string]string{
		"postgres://u:p@h:5432/db?sslmode=disable": "postgres://u:p@h:5432/db?search_path=t_x&sslmode=disable",
		"host=h dbname=db":                         "host=h dbname=db search_path=t_x",
	} {
		if got := withSearchPath(base, "t_x"); got != want {
			t.Errorf("withSearchPath(%q) = %q, want %q", base, got, want)
		}
	}
}

// withoutPostgres hides every PostgreSQL binary and DATABASE_URL, then runs StartServer
// with the given CI and EnvSkip values.
func withoutPostgres(t *testing.T, ci, skip string) *testkit.Recorder {
	var notice strings.Builder
	stderr, warnOnce = &notice, new(sync.Once)
	oldLib := libDir
	libDir = t.TempDir()
	t.Cleanup(func() { stderr, libDir = os.Stderr, oldLib })
	t.Setenv(EnvURL, "")
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", ci)
	t.Setenv(EnvSkip, skip)
	rec := testkit.Record(t, func(tb testing.TB) { StartServer(tb) })
	if rec.SkippedWith != "" && !strings.Contains(notice.String(), "!!! PostgreSQL not found") {
		t.Errorf("stderr notice = %q; want the loud notice", notice.String())
	}
	return rec
}

func TestMissingPostgresFails(t *testing.T) {
	rec := withoutPostgres(t, "", "")
	if rec.SkippedWith != "" || !strings.Contains(rec.FailedWith, "apt-get install -y postgresql") || !strings.Contains(rec.FailedWith, EnvSkip+"=1") {
		t.Fatalf("skipped %q, failed %q; want a failure naming the package and %s", rec.SkippedWith, rec.FailedWith, EnvSkip)
	}
}

func TestMissingPostgresSkipsLoudlyWhenAsked(t *testing.T) {
	rec := withoutPostgres(t, "", "1")
	if rec.FailedWith != "" || !strings.Contains(rec.SkippedWith, EnvSkip) || !strings.Contains(rec.SkippedWith, "SKIPPED") {
		t.Fatalf("skipped %q, failed %q; want a skip naming %s and SKIPPED", rec.SkippedWith, rec.FailedWith, EnvSkip)
	}
}

func TestMissingPostgresFailsUnderCI(t *testing.T) {
	rec := withoutPostgres(t, "true", "1")
	if rec.SkippedWith != "" || !strings.Contains(rec.FailedWith, "CI=true") {
		t.Fatalf("skipped %q, failed %q; want a failure naming CI=true", rec.SkippedWith, rec.FailedWith)
	}
}
