package docrun_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/docrun"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testpg"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

const moduleRoot = "../../.."

func TestMain(m *testing.M) { os.Exit(testpg.Run(m)) }

// Each program of docs/river.md, built as written, runs on its first try against a new
// database (a real PostgreSQL, a new SQLite file): it answers a signed delivery 200 and
// handles it in the background. Restarted on the same database, it answers OpenAI's
// retry of that delivery as a duplicate.
func TestRiverPageProgramsRunOnTheirFirstTry(t *testing.T) {
	programs := docrun.Programs(t, filepath.Join(moduleRoot, "docs", "river.md"))
	if len(programs) != 2 {
		t.Fatalf("docs/river.md has %d programs, want 2 (SQLite, PostgreSQL)", len(programs))
	}
	for i, src := range programs {
		t.Run(fmt.Sprint("program ", i+1), func(t *testing.T) {
			sender := webhooktest.NewSender()
			env := []string{core.EnvSecret + "=" + sender.Secret()}
			var handled func(output string) (bool, error)
			var jobs func() (int, error) // completed jobs
			switch {
			case strings.Contains(src, "DATABASE_URL"):
				pool, url := testpg.NewPool(t)
				env = append(env, "DATABASE_URL="+url)
				handled = func(string) (bool, error) {
					var n int
					err := pool.QueryRow(context.Background(), `SELECT count(*) FROM batches_done WHERE batch_id = 'batch_1' AND webhook_id = 'wh_doc'`).Scan(&n)
					return n == 1, err
				}
				jobs = func() (n int, err error) {
					err = pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE state = 'completed'`).Scan(&n)
					return n, err
				}
			case strings.Contains(src, "DATABASE_PATH"):
				path := filepath.Join(t.TempDir(), "webhooks.db")
				env = append(env, "DATABASE_PATH="+path)
				handled = func(output string) (bool, error) {
					return strings.Contains(output, "batch batch_1 completed (webhook wh_doc)"), nil
				}
				jobs = func() (n int, err error) {
					db, err := sqlitejobs.OpenDB(context.Background(), path)
					if err != nil {
						return 0, err
					}
					defer db.Close()
					err = db.QueryRow(`SELECT count(*) FROM river_job WHERE state = 'completed'`).Scan(&n)
					return n, err
				}
			default:
				t.Fatalf("program %d reads neither DATABASE_URL nor DATABASE_PATH", i+1)
			}
			bin := docrun.Build(t, moduleRoot, src)
			for run, want := range []string{`{"received":true}`, `{"received":true,"duplicate":true}`} {
				port, err := testkit.FreePort()
				if err != nil {
					t.Fatal(err)
				}
				p := docrun.Start(t, bin, fmt.Sprint(port), append(env, fmt.Sprint("PORT=", port))...)
				d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"}, webhooktest.WithWebhookID("wh_doc"))
				status, answer := post(t, fmt.Sprintf("http://127.0.0.1:%d/webhooks/openai", port), d)
				if status != http.StatusOK || answer != want {
					t.Fatalf("run %d: answered %d %s, want 200 %s\n%s", run+1, status, answer, want, p.Output())
				}
				if run == 1 {
					p.Stop()
					if n, err := jobs(); err != nil || n != 1 {
						t.Fatalf("after the restart: %d completed jobs, %v; want the one of the first run\n%s", n, err, p.Output())
					}
					break
				}
				deadline := time.Now().Add(time.Minute)
				for {
					ok, err := handled(p.Output())
					if ok && err == nil {
						// Killed next: wait until River has recorded the job done.
						var n int
						n, err = jobs()
						ok = n == 1
					}
					if err != nil {
						t.Fatalf("run %d: %v\n%s", run+1, err, p.Output())
					}
					if ok {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("run %d: the delivery was not handled within a minute:\n%s", run+1, p.Output())
					}
					time.Sleep(50 * time.Millisecond)
				}
				p.Stop()
			}
		})
	}
}

func post(t *testing.T, url string, d webhooktest.Delivery) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(d.NewClientRequest(url))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(answer))
}
