package docrun_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/docrun"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testredis"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

// The queue programs a newcomer copies, built as written, run on their first try: README.md's
// (on a new SQLite file) and docs/asynq.md's (on a Redis) answer a signed delivery 200 and
// their handler runs in a worker. docs/river.md's, the PostgreSQL one included, are run
// by TestRiverPageProgramsRunOnTheirFirstTry.
func TestQueueProgramsRun(t *testing.T) {
	var names []string
	programs := docrun.Programs(t, filepath.Join(moduleRoot, "README.md"))
	programs = append(programs, docrun.Programs(t, filepath.Join(moduleRoot, "docs", "asynq.md"))...)
	for _, src := range programs {
		var name string
		var env []string
		switch {
		case strings.Contains(src, "sqlitejobs.Open"):
			name = "SQLite"
		case strings.Contains(src, "asynqjobs"):
			name = "Redis"
		default:
			continue // not a queue program
		}
		names = append(names, name)
		t.Run(name, func(t *testing.T) {
			switch name {
			case "SQLite":
				env = append(env, "DATABASE_PATH="+filepath.Join(t.TempDir(), "webhooks.db"))
			case "Redis":
				env = append(env, "REDIS_ADDR="+testredis.Start(t).Options().Addr)
			}
			sender := webhooktest.NewSender()
			port, err := testkit.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			bin := docrun.Build(t, moduleRoot, src)
			p := docrun.Start(t, bin, fmt.Sprint(port), append(env, core.EnvSecret+"="+sender.Secret(), fmt.Sprint("PORT=", port))...)
			d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_readme"}, webhooktest.WithWebhookID("wh_readme"))
			if status, answer := post(t, fmt.Sprintf("http://127.0.0.1:%d/webhooks/openai", port), d); status != http.StatusOK || answer != `{"received":true}` {
				t.Fatalf("answered %d %s, want 200 {\"received\":true}\n%s", status, answer, p.Output())
			}
			deadline := time.Now().Add(time.Minute)
			for !strings.Contains(p.Output(), "batch completed: batch_readme") {
				if time.Now().After(deadline) {
					t.Fatalf("the handler did not run within a minute:\n%s", p.Output())
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	if strings.Join(names, ",") != "SQLite,Redis" {
		t.Fatalf("queue programs of README.md and docs/asynq.md: %v; want SQLite (README.md), then Redis (docs/asynq.md)", names)
	}
}
