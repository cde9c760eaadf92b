package sqlitejobs_test

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testotel"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

// With the file full (SQLite's max_page_count reached: the error a full disk gives,
// SQLITE_FULL), a delivery is answered 500, logged and observed as failed, and nothing
// is stored; once there is room, OpenAI's retry of it is stored and answered 200.
func TestDiskFullIsAnswered500AndNothingIsStored(t *testing.T) {
	ctx := context.Background()
	db, err := sqlitejobs.OpenDB(ctx, dbPath(t))
	if err != nil {
		t.Fatal(err)
	}
	q, err := riverjobs.Open(ctx, riversqlite.New(db), riverjobs.WithCloser(db))
	if err != nil {
		t.Fatal(err)
	}
	stopAtEnd(t, q)
	meter := testotel.New(t)
	var logs testkit.LockedBuffer
	srv := httptest.NewServer(nethttp.Handler(mustVerifier(t), q, nethttp.WithObserver(meter.Observer),
		nethttp.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))))
	t.Cleanup(srv.Close)

	var pages int
	if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// The queue's one connection is db's: the limit applies to its inserts.
	if _, err := db.Exec(`PRAGMA max_page_count = ` + itoa(pages)); err != nil {
		t.Fatal(err)
	}
	d := signedWith(t, secret, "wh_full", "batch.completed", 256<<10)
	status, answer, err := send(srv.URL, d)
	if err != nil || status != http.StatusInternalServerError {
		t.Fatalf("delivery with the disk full: %d %s %v, want 500", status, answer, err)
	}
	if strings.Contains(answer, "full") || strings.Contains(answer, "SQLITE") {
		t.Errorf("the answer %q carries internal detail", answer)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "database or disk is full") {
		t.Errorf("the failure was not logged at Error with its cause:\n%s", logs.String())
	}
	if n := count(t, db, `SELECT count(*) FROM river_job`); n != 0 {
		t.Fatalf("%d jobs stored with the disk full, want 0", n)
	}

	if _, err := db.Exec(`PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if status, answer, err := send(srv.URL, d); err != nil || status != http.StatusOK {
		t.Fatalf("retry with room again: %d %s %v, want 200", status, answer, err)
	}
	if n := count(t, db, `SELECT count(*) FROM river_job`); n != 1 {
		t.Fatalf("%d jobs after the retry, want 1", n)
	}
	want := map[string]int64{
		"event_type=batch.completed,outcome=failed,reason=handler_error": 1,
		"event_type=batch.completed,outcome=handled":                     1,
	}
	if got := meter.Deliveries(t); !maps.Equal(got, want) {
		t.Fatalf("openai.webhooks.deliveries:\ngot  %v\nwant %v", got, want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
