package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testpg"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

// flaky is a handler that fails every delivery until fixed, then records what it ran.
type flaky struct {
	mu    sync.Mutex
	fixed bool
	ran   map[string]int
}

func (h *flaky) HandleEvent(_ context.Context, e *core.Event) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.fixed {
		return errors.New("the handler is broken: billing API down")
	}
	if h.ran == nil {
		h.ran = map[string]int{}
	}
	h.ran[e.WebhookID]++
	return nil
}

func (h *flaky) fix() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fixed = true
}

func (h *flaky) runs(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ran[id]
}

// oneAttempt makes a failed job a dead letter at once, and the workers poll often, so
// that a replayed job is picked up soon.
var oneAttempt = []riverjobs.Option{
	riverjobs.WithMaxAttempts(1),
	riverjobs.WithLogger(slog.New(slog.DiscardHandler)),
	riverjobs.WithRiverConfig(func(cfg *river.Config) {
		cfg.FetchCooldown = 20 * time.Millisecond
		cfg.FetchPollInterval = 100 * time.Millisecond
		cfg.Logger = slog.New(slog.DiscardHandler)
	}),
}

type queue interface {
	core.Handler
	DeadLetters(ctx context.Context, limit int) ([]riverjobs.DeadLetter, error)
	Stop(ctx context.Context) error
}

// deliver sends n deliveries through nethttp into q and waits until each is a dead
// letter; it returns their webhook-ids.
func deliver(t *testing.T, sender *webhooktest.Sender, q queue, n int) []string {
	t.Helper()
	h := nethttp.Handler(sender.Verifier(), q, nethttp.WithLogger(slog.New(slog.DiscardHandler)))
	var ids []string
	for range n {
		d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_dead"})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, d.NewRequest("/webhooks/openai"))
		if rec.Code != http.StatusOK {
			t.Fatalf("the delivery was answered %d %s", rec.Code, rec.Body)
		}
		ids = append(ids, d.Headers.ID)
	}
	waitFor(t, "the dead letters", func() bool {
		letters, err := q.DeadLetters(context.Background(), 0)
		return err == nil && len(letters) == n
	})
	return ids
}

func waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	testkit.WaitFor(t, what, 30*time.Second, func() (bool, error) { return done(), nil })
}

func stopQueue(t *testing.T, q queue) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
}

// checkList runs deadletters list, as text and as JSON, and checks that it shows ids.
func checkList(t *testing.T, db string, ids []string) {
	t.Helper()
	r := runCLI(t, "", nil, "deadletters", "list", "--db", db)
	wantCode(t, r, 0)
	wantContains(t, "deadletters list", r.stdout, "WEBHOOK-ID", "TYPE", "ATTEMPTS", "LAST ERROR",
		"batch.completed", "billing API down")
	for _, id := range ids {
		wantContains(t, "deadletters list", r.stdout, id)
	}
	r = runCLI(t, "", nil, "deadletters", "list", "--db", db, "--json")
	wantCode(t, r, 0)
	var letters []deadLetterJSON
	if err := json.Unmarshal([]byte(r.stdout), &letters); err != nil || len(letters) != len(ids) {
		t.Fatalf("list --json printed %d dead letters (%v), want %d:\n%s", len(letters), err, len(ids), r.stdout)
	}
	for i, d := range letters {
		if d.WebhookID != ids[i] || d.EventType != string(core.BatchCompleted) || d.Attempts != 1 ||
			!strings.Contains(d.LastError, "billing API down") || time.Since(d.FailedAt) > time.Minute {
			t.Errorf("dead letter %d: %+v, want %s, batch.completed, 1 attempt, the handler's error, just now", i, d, ids[i])
		}
	}
}

// A delivery whose handler fails is a dead letter in a real SQLite file; the command
// lists it from another process, replays it, and the application's workers run it.
func TestDeadLettersSQLite(t *testing.T) {
	sender := webhooktest.NewSender()
	path := filepath.Join(t.TempDir(), "webhooks.db")
	h := &flaky{}
	q, err := sqlitejobs.Open(context.Background(), path, sender.Verifier(), h, oneAttempt...)
	if err != nil {
		t.Fatal(err)
	}
	stopQueue(t, q)
	ids := deliver(t, sender, q, 2)
	db := "sqlite:" + path
	checkList(t, db, ids)

	h.fix()
	r := runCLI(t, "", nil, "deadletters", "replay", "--db", db, ids[1])
	wantCode(t, r, 0)
	wantContains(t, "deadletters replay", r.stdout, ids[1]+": replayed", "attempt 2 of 2")
	waitFor(t, "the replayed job to run", func() bool { return h.runs(ids[1]) == 1 })
	if h.runs(ids[0]) != 0 {
		t.Fatalf("%s ran, but only %s was replayed", ids[0], ids[1])
	}
	checkList(t, db, ids[:1])

	// Done now: not replayed again. An unknown id neither; the known one still is.
	r = runCLI(t, "", nil, "deadletters", "replay", "--db", db, ids[1], "wh_unknown", ids[0])
	wantCode(t, r, 1)
	wantContains(t, "deadletters replay stderr", r.stderr, ids[1]+": not replayed", "wh_unknown: not replayed")
	wantContains(t, "deadletters replay stdout", r.stdout, ids[0]+": replayed")
	waitFor(t, "the replayed job to run", func() bool { return h.runs(ids[0]) == 1 })

	r = runCLI(t, "", nil, "deadletters", "list", "--db", db)
	wantCode(t, r, 0)
	wantContains(t, "deadletters list", r.stdout, "no dead letters in the SQLite file "+path)
	if h.runs(ids[1]) != 1 {
		t.Fatalf("%s ran %d times, want once", ids[1], h.runs(ids[1]))
	}
}

// The same on PostgreSQL, with River's PostgreSQL driver, and replay --all.
func TestDeadLettersPostgres(t *testing.T) {
	sender := webhooktest.NewSender()
	url := testpg.New(t)
	h := &flaky{}
	q, err := riverjobs.Start(context.Background(), riverpgxv5.New(testpg.Connect(t, url)), sender.Verifier(), h, oneAttempt...)
	if err != nil {
		t.Fatal(err)
	}
	stopQueue(t, q)
	ids := deliver(t, sender, q, 2)
	checkList(t, url, ids)

	h.fix()
	r := runCLI(t, "", nil, "deadletters", "replay", "--db", url, "--all")
	wantCode(t, r, 0)
	wantContains(t, "deadletters replay --all", r.stdout, "replayed 2 dead letter(s)")
	waitFor(t, "the replayed jobs to run", func() bool { return h.runs(ids[0]) == 1 && h.runs(ids[1]) == 1 })
	r = runCLI(t, "", nil, "deadletters", "list", "--db", url)
	wantCode(t, r, 0)
	wantContains(t, "deadletters list", r.stdout, "no dead letters")
}

func TestDeadLettersErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil { // an empty file is an empty SQLite database
		t.Fatal(err)
	}
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte("not a database, and longer than a SQLite header would be........................................................................................"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no subcommand", []string{}, 2, "needs a subcommand: list or replay"},
		{"unknown subcommand", []string{"show"}, 2, `unknown subcommand "show"`},
		{"no --db", []string{"list"}, 2, "--db is required"},
		{"bad URL", []string{"list", "--db", "mysql://root:hunter2@db/x"}, 2, "want sqlite:PATH or postgres://"},
		{"no path", []string{"list", "--db", "sqlite:"}, 2, "has no path"},
		{"missing file", []string{"list", "--db", "sqlite:" + missing}, 1, missing + " does not exist"},
		{"a directory", []string{"list", "--db", "sqlite:" + dir}, 1, "is a directory"},
		{"not a database", []string{"list", "--db", "sqlite:" + notDB}, 1, "not a SQLite database"},
		{"no River tables", []string{"list", "--db", "sqlite:" + empty}, 1, "has no River tables"},
		{"unreachable server", []string{"list", "--db", "postgres://u:hunter2@127.0.0.1:1/x"}, 1, "cannot reach PostgreSQL at postgres://u:xxxxx@127.0.0.1:1/x"},
		{"replay without ids", []string{"replay", "--db", "sqlite:" + empty}, 2, "give the webhook-ids"},
		{"replay ids and --all", []string{"replay", "--db", "sqlite:" + empty, "--all", "wh_1"}, 2, "not both"},
		{"negative limit", []string{"list", "--db", "sqlite:" + empty, "--limit", "-1"}, 2, "--limit"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, "", nil, append([]string{"deadletters"}, c.args...)...)
			wantCode(t, r, c.code)
			wantContains(t, "stderr", r.stderr, c.want)
			if strings.Contains(r.stderr, "hunter2") {
				t.Errorf("the error shows the password:\n%s", r.stderr)
			}
		})
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("listing a missing file created it (%v)", err)
	}
}

// A PostgreSQL database without River's tables is named as such.
func TestDeadLettersPostgresWithoutRiver(t *testing.T) {
	r := runCLI(t, "", nil, "deadletters", "list", "--db", testpg.New(t))
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "has no River tables")
}
