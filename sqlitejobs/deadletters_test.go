package sqlitejobs_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

// A delivery whose handler keeps failing is a dead letter in the file; a second handle
// on the file, with no workers (as the openai-webhooks deadletters command opens it
// while the application runs), lists it and replays it, and the application's worker
// then handles it.
func TestDeadLetterIsListedAndReplayedFromAnotherHandleWhileTheQueueRuns(t *testing.T) {
	path := dbPath(t)
	ctx := context.Background()
	var broken atomic.Bool
	broken.Store(true)
	var handled testkit.Counter
	q, err := sqlitejobs.Open(ctx, path, mustVerifier(t), core.HandlerFunc(func(_ context.Context, e *core.Event) error {
		handled.Add(e.WebhookID)
		if broken.Load() {
			return errors.New("downstream unavailable")
		}
		return nil
	}), fast, riverjobs.WithMaxAttempts(2), riverjobs.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	stopAtEnd(t, q)
	srv := httptest.NewServer(nethttp.Handler(mustVerifier(t), q, nethttp.WithLogger(quiet)))
	t.Cleanup(srv.Close)
	if status, answer, err := send(srv.URL, signed(t, "wh_dead", "batch.failed")); err != nil || status != 200 {
		t.Fatalf("delivery: %d %s %v", status, answer, err)
	}

	db := openFile(t, path)
	tool, err := riverjobs.Open(ctx, riversqlite.New(db), riverjobs.WithoutMigrations())
	if err != nil {
		t.Fatal(err)
	}
	var letters []riverjobs.DeadLetter
	waitFor(t, "the dead letter", func() (bool, error) {
		letters, err = tool.DeadLetters(ctx, 0)
		return len(letters) == 1, err
	})
	if d := letters[0]; d.WebhookID != "wh_dead" || d.EventType != core.BatchFailed || d.Attempts != 2 || d.LastError != "downstream unavailable" {
		t.Fatalf("dead letter %+v, want wh_dead, batch.failed, 2 attempts, the handler's error", d)
	}
	broken.Store(false)
	if n, err := tool.ReplayAll(ctx); err != nil || n != 1 {
		t.Fatalf("ReplayAll = %d, %v; want 1", n, err)
	}
	waitFor(t, "the replayed delivery handled", func() (bool, error) { return handled.Get("wh_dead") == 3, nil })
	waitFor(t, "no dead letter left", func() (bool, error) {
		letters, err = tool.DeadLetters(ctx, 0)
		return len(letters) == 0 && count(t, db, `SELECT count(*) FROM river_job WHERE state = 'completed'`) == 1, err
	})
}
