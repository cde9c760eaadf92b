package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/sqlstore"
	"github.com/webhookkit/openai-webhooks/idempotency/storetest"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testpg"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (idempotency.Store, func(time.Duration)) {
		db, _ := newSQLiteFile(t)
		s, err := sqlstore.NewSQLite(bg, db)
		if err != nil {
			t.Fatal(err)
		}
		// SQLite's clock is the machine's: let real time pass.
		return s, time.Sleep
	})
}

func TestConformancePostgres(t *testing.T) {
	db := openPostgres(t, testpg.New(t))
	n := 0
	storetest.Run(t, func(t *testing.T) (idempotency.Store, func(time.Duration)) {
		n++ // a table of its own for each case: one database, fresh stores
		s, err := sqlstore.NewPostgres(bg, db, sqlstore.WithTable(fmt.Sprintf("idem_case_%d", n)))
		if err != nil {
			t.Fatal(err)
		}
		return s, time.Sleep
	})
}

// stores runs fn on a fresh database of each kind.
func stores(t *testing.T, fn func(t *testing.T, db *sql.DB, open func(*sql.DB, ...sqlstore.Option) (*sqlstore.Store, error))) {
	t.Run("SQLite", func(t *testing.T) {
		db, _ := newSQLiteFile(t)
		fn(t, db, func(db *sql.DB, opts ...sqlstore.Option) (*sqlstore.Store, error) {
			return sqlstore.NewSQLite(bg, db, opts...)
		})
	})
	t.Run("Postgres", func(t *testing.T) {
		db := openPostgres(t, testpg.New(t))
		fn(t, db, func(db *sql.DB, opts ...sqlstore.Option) (*sqlstore.Store, error) {
			return sqlstore.NewPostgres(bg, db, opts...)
		})
	})
}

type row struct {
	token     string
	done      bool
	expiresIn time.Duration
}

// readRow reads key's row as the store left it; expiresIn is measured on the database's
// own clock, as the store measures it.
func readRow(t *testing.T, db *sql.DB, table, key string, postgres bool) (row, bool) {
	t.Helper()
	now := "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
	param := "?"
	if postgres {
		now, param = "(EXTRACT(EPOCH FROM now()) * 1000)::BIGINT", "$1"
	}
	var (
		r  row
		ms int64
	)
	err := db.QueryRow(fmt.Sprintf(`SELECT token, done, expires_at - %s FROM %s WHERE webhook_id = %s`, now, table, param), key).Scan(&r.token, &r.done, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false
	}
	if err != nil {
		t.Fatal(err)
	}
	r.expiresIn = time.Duration(ms) * time.Millisecond
	return r, true
}

func TestRowsAndDurations(t *testing.T) {
	stores(t, func(t *testing.T, db *sql.DB, open func(*sql.DB, ...sqlstore.Option) (*sqlstore.Store, error)) {
		s, err := open(db)
		if err != nil {
			t.Fatal(err)
		}
		if s.Table() != sqlstore.DefaultTable {
			t.Fatalf("Table() = %q, want the default %q", s.Table(), sqlstore.DefaultTable)
		}
		pg := strings.HasSuffix(t.Name(), "Postgres")
		st, tok, err := s.Begin(bg, "wh_1", 90*time.Second)
		if err != nil || st != idempotency.Claimed {
			t.Fatalf("Begin = %v, %v", st, err)
		}
		r, ok := readRow(t, db, sqlstore.DefaultTable, "wh_1", pg)
		if !ok || r.token != string(tok) || r.done || r.expiresIn <= 80*time.Second || r.expiresIn > 90*time.Second {
			t.Fatalf("claimed row = %+v (found %v), want token %q, not done, expiring in about the 90s lease", r, ok, tok)
		}
		if err := s.Extend(bg, "wh_1", tok, 10*time.Minute); err != nil {
			t.Fatal(err)
		}
		if r, _ := readRow(t, db, sqlstore.DefaultTable, "wh_1", pg); r.expiresIn <= 9*time.Minute || r.expiresIn > 10*time.Minute {
			t.Fatalf("extended row expires in %v, want about the 10m lease", r.expiresIn)
		}
		if err := s.Finish(bg, "wh_1", tok, 48*time.Hour); err != nil {
			t.Fatal(err)
		}
		if r, _ := readRow(t, db, sqlstore.DefaultTable, "wh_1", pg); !r.done || r.expiresIn <= 47*time.Hour || r.expiresIn > 48*time.Hour {
			t.Fatalf("finished row = %+v, want done, expiring in about the 48h keep", r)
		}
		// An abandoned claim leaves no row behind.
		_, tok, _ = s.Begin(bg, "wh_2", time.Minute)
		if err := s.Abandon(bg, "wh_2", tok); err != nil {
			t.Fatal(err)
		}
		if r, ok := readRow(t, db, sqlstore.DefaultTable, "wh_2", pg); ok {
			t.Fatalf("abandoned claim left the row %+v", r)
		}
	})
}

// The reason given with ErrNotHeld names what happened to the claim.
func TestNotHeldSaysWhy(t *testing.T) {
	stores(t, func(t *testing.T, db *sql.DB, open func(*sql.DB, ...sqlstore.Option) (*sqlstore.Store, error)) {
		s, err := open(db)
		if err != nil {
			t.Fatal(err)
		}
		_, tok, _ := s.Begin(bg, "wh_f", time.Minute)
		_ = s.Finish(bg, "wh_f", tok, time.Hour)
		if err := s.Finish(bg, "wh_f", tok, time.Hour); !errors.Is(err, idempotency.ErrNotHeld) || !strings.Contains(err.Error(), "already finished") {
			t.Errorf("second Finish = %v; want ErrNotHeld saying the key is finished", err)
		}
		_, _, _ = s.Begin(bg, "wh_o", time.Minute)
		if err := s.Abandon(bg, "wh_o", "someone-else"); !errors.Is(err, idempotency.ErrNotHeld) || !strings.Contains(err.Error(), "another holder") {
			t.Errorf("Abandon with a foreign token = %v; want ErrNotHeld naming another holder", err)
		}
		if err := s.Extend(bg, "wh_none", "tok", time.Minute); !errors.Is(err, idempotency.ErrNotHeld) || !strings.Contains(err.Error(), "no claim") {
			t.Errorf("Extend of an unknown key = %v; want ErrNotHeld saying there is no claim", err)
		}
	})
}

// Expired rows, of any key, are removed as the store goes; live ones are kept.
func TestExpiredRowsAreRemoved(t *testing.T) {
	stores(t, func(t *testing.T, db *sql.DB, open func(*sql.DB, ...sqlstore.Option) (*sqlstore.Store, error)) {
		s, err := open(db, sqlstore.WithTable("swept"), sqlstore.WithCleanupInterval(time.Nanosecond))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			key := fmt.Sprintf("wh_old_%d", i)
			_, tok, err := s.Begin(bg, key, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				err = s.Finish(bg, key, tok, 100*time.Millisecond) // a short keep
			} else {
				_, _, err = s.Begin(bg, key+"_claim", 100*time.Millisecond) // a dead holder's claim
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		_, keptTok, _ := s.Begin(bg, "wh_kept", time.Minute)
		_ = s.Finish(bg, "wh_kept", keptTok, time.Hour)
		time.Sleep(300 * time.Millisecond)
		if _, _, err := s.Begin(bg, "wh_new", time.Minute); err != nil {
			t.Fatal(err)
		}
		var keys []string
		rows, err := db.Query(`SELECT webhook_id FROM swept ORDER BY webhook_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			_ = rows.Scan(&k)
			keys = append(keys, k)
		}
		// The odd keys' own claims (one minute) are live too.
		want := []string{"wh_kept", "wh_new", "wh_old_1", "wh_old_11", "wh_old_13", "wh_old_15", "wh_old_17", "wh_old_19", "wh_old_3", "wh_old_5", "wh_old_7", "wh_old_9"}
		if strings.Join(keys, " ") != strings.Join(want, " ") {
			t.Fatalf("rows after the sweep: %v\nwant only the live ones: %v", keys, want)
		}
	})
}

// Without a cleanup interval that has passed, nothing is swept: Begin does no extra work.
func TestSweepWaitsForItsInterval(t *testing.T) {
	db, _ := newSQLiteFile(t)
	s, err := sqlstore.NewSQLite(bg, db, sqlstore.WithCleanupInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	_, tok, _ := s.Begin(bg, "wh_short", time.Minute) // the first Begin sweeps
	_ = s.Finish(bg, "wh_short", tok, time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	if _, _, err := s.Begin(bg, "wh_other", time.Minute); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM ` + sqlstore.DefaultTable).Scan(&n); err != nil || n != 2 {
		t.Fatalf("rows = %d, %v; want 2, the expired one kept until the next sweep is due", n, err)
	}
	// An expired row never changes an answer: the key is free again.
	if st, _, err := s.Begin(bg, "wh_short", time.Minute); err != nil || st != idempotency.Claimed {
		t.Fatalf("Begin of a key whose keep ended = %v, %v; want claimed", st, err)
	}
}

// A finished delivery is remembered across a restart: the SQLite file is reopened.
func TestDoneSurvivesReopen(t *testing.T) {
	db, path := newSQLiteFile(t)
	s, err := sqlstore.NewSQLite(bg, db)
	if err != nil {
		t.Fatal(err)
	}
	_, tok, _ := s.Begin(bg, "wh_durable", time.Minute)
	if err := s.Finish(bg, "wh_durable", tok, time.Hour); err != nil {
		t.Fatal(err)
	}
	_, _, _ = s.Begin(bg, "wh_held", time.Hour)
	db.Close()

	again, err := sqlstore.NewSQLite(bg, openSQLite(t, path)) // the table exists: reused
	if err != nil {
		t.Fatal(err)
	}
	if st, _, err := again.Begin(bg, "wh_durable", time.Minute); err != nil || st != idempotency.Done {
		t.Fatalf("after reopening: Begin = %v, %v; want done", st, err)
	}
	if st, _, err := again.Begin(bg, "wh_held", time.Minute); err != nil || st != idempotency.InFlight {
		t.Fatalf("after reopening: Begin of a claim still in its lease = %v, %v; want in-flight", st, err)
	}
}

func TestTableNames(t *testing.T) {
	db, _ := newSQLiteFile(t)
	for _, bad := range []string{"", "Idem", "idem-table", "1idem", "idem;drop table x", `idem"`, "public.idem", strings.Repeat("x", 49)} {
		if s, err := sqlstore.NewSQLite(bg, db, sqlstore.WithTable(bad)); err == nil || !strings.Contains(err.Error(), "WithTable") {
			t.Errorf("WithTable(%q) = %v, %v; want an error pointing at WithTable", bad, s, err)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("refused names left %d objects in the database (%v)", n, err)
	}
	// A reserved word is a fine name: the store quotes it.
	for _, good := range []string{"order", "_idem", strings.Repeat("x", 48)} {
		s, err := sqlstore.NewSQLite(bg, db, sqlstore.WithTable(good))
		if err != nil {
			t.Fatalf("WithTable(%q): %v", good, err)
		}
		if st, _, err := s.Begin(bg, "wh", time.Minute); err != nil || st != idempotency.Claimed {
			t.Fatalf("WithTable(%q): Begin = %v, %v", good, st, err)
		}
	}
	if s, err := sqlstore.NewSQLite(bg, db, sqlstore.Option{}); err != nil || s.Table() != sqlstore.DefaultTable {
		t.Fatalf("the zero Option: %v, %v; want the default table", s, err)
	}
}

func TestNilDB(t *testing.T) {
	if _, err := sqlstore.NewPostgres(bg, nil); err == nil || !strings.Contains(err.Error(), "sql.Open") {
		t.Fatalf("NewPostgres(nil) = %v; want an error saying what to pass", err)
	}
	if _, err := sqlstore.NewSQLite(bg, nil); err == nil {
		t.Fatal("NewSQLite(nil) succeeded")
	}
}

func TestUnopenableSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "idem.db")
	_, err := sqlstore.NewSQLite(bg, openSQLite(t, path))
	if err == nil || !strings.Contains(err.Error(), "cannot create the table") || !strings.Contains(err.Error(), "SQLite") {
		t.Fatalf("NewSQLite on a file that cannot be created = %v; want an error naming the cause", err)
	}
}

func TestUnreachablePostgresAtStart(t *testing.T) {
	db := openPostgres(t, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	_, err := sqlstore.NewPostgres(bg, db)
	if err == nil || !strings.Contains(err.Error(), "reachable") {
		t.Fatalf("NewPostgres on a closed port = %v; want an error saying what to check", err)
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// PostgreSQL goes away while the receiver runs: every operation fails with a database
// error (not ErrNotHeld), and the adapter answers 503 without the store's detail, so
// OpenAI retries later.
func TestPostgresGoneAnswers503(t *testing.T) {
	server := testpg.StartServer(t)
	db := openPostgres(t, server.NewDatabase(t))
	s, err := sqlstore.NewPostgres(bg, db)
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := s.Begin(bg, "wh_before", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	server.Stop()

	if st, tok, err := s.Begin(bg, "wh_x", time.Minute); err == nil || tok != "" {
		t.Fatalf("Begin with the server gone = %v, %q, %v; want an error and no token", st, tok, err)
	}
	for name, err := range map[string]error{
		"Extend":  s.Extend(bg, "wh_before", tok, time.Minute),
		"Finish":  s.Finish(bg, "wh_before", tok, time.Hour),
		"Abandon": s.Abandon(bg, "wh_before", tok),
	} {
		if err == nil || errors.Is(err, idempotency.ErrNotHeld) || !strings.Contains(err.Error(), "reachable") {
			t.Errorf("%s with the server gone = %v; want a database error saying what to check", name, err)
		}
	}

	v, _ := core.NewVerifier(secret)
	called := false
	srv := httptest.NewServer(nethttp.Handler(v, core.HandlerFunc(func(context.Context, *core.Event) error { called = true; return nil }),
		nethttp.WithIdempotency(s), nethttp.WithLogger(quiet)))
	defer srv.Close()
	status, body := deliver(t, srv.URL, "wh_gone")
	if status != http.StatusServiceUnavailable || called || strings.Contains(body, "127.0.0.1") || strings.Contains(body, sqlstore.DefaultTable) || strings.Contains(strings.ToLower(body), "sql") {
		t.Fatalf("delivery with PostgreSQL gone: %d %s (handler called: %v); want 503 without the handler and without the store's detail", status, body, called)
	}
}

func TestCanceledContext(t *testing.T) {
	db, _ := newSQLiteFile(t)
	s, err := sqlstore.NewSQLite(bg, db)
	if err != nil {
		t.Fatal(err)
	}
	_, tok, _ := s.Begin(bg, "wh_c", time.Minute)
	canceled, cancel := context.WithCancel(bg)
	cancel()
	if err := s.Abandon(canceled, "wh_c", tok); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "WithoutCancel") {
		t.Fatalf("Abandon with a canceled context = %v; want context.Canceled and the WithoutCancel hint", err)
	}
	if err := s.Abandon(context.WithoutCancel(canceled), "wh_c", tok); err != nil {
		t.Fatalf("Abandon with WithoutCancel = %v", err)
	}
}

// deliver posts one signed batch.completed delivery and returns the answer.
func deliver(t *testing.T, url, webhookID string) (int, string) {
	t.Helper()
	signer, err := core.NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"id":"evt_%s","object":"event","created_at":%d,"type":"batch.completed","data":{"id":"batch_1"}}`, webhookID, time.Now().Unix())
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	signer.Headers(webhookID, time.Now(), []byte(body)).Set(req.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer)
}

// A SQLite file whose write lock another connection keeps longer than the busy timeout:
// Begin fails with a database error saying what to check (the adapter answers 503), and
// succeeds once the lock is released.
func TestLockedSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idem.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(100)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := sqlstore.NewSQLite(bg, db)
	if err != nil {
		t.Fatal(err)
	}
	holder := openSQLite(t, path)
	tx, err := holder.BeginTx(bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO ` + sqlstore.DefaultTable + ` VALUES ('wh_other', 't', false, 0)`); err != nil {
		t.Fatal(err)
	}
	st, tok, err := s.Begin(bg, "wh_locked", time.Minute)
	if err == nil || tok != "" || errors.Is(err, idempotency.ErrNotHeld) || !strings.Contains(err.Error(), "busy timeout") {
		t.Fatalf("Begin while another connection holds the write lock = %v, %q, %v; want a database error pointing at the busy timeout", st, tok, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if st, _, err := s.Begin(bg, "wh_locked", time.Minute); err != nil || st != idempotency.Claimed {
		t.Fatalf("Begin after the lock was released = %v, %v; want claimed", st, err)
	}
}
