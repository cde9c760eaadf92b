package sqlitejobs_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

var quiet = slog.New(slog.DiscardHandler)

func TestMain(m *testing.M) {
	if child() {
		return
	}
	os.Exit(m.Run())
}

func mustVerifier(t testing.TB, opts ...core.Option) *core.Verifier {
	t.Helper()
	v, err := core.NewVerifier(secret, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// quickRetry retries a failed job soon, so that tests need not wait for River's backoff.
type quickRetry struct{}

func (quickRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(10 * time.Millisecond)
}

// fast makes River poll often and retry at once.
var fast = riverjobs.WithRiverConfig(func(cfg *river.Config) {
	cfg.RetryPolicy = quickRetry{}
	cfg.FetchCooldown = 20 * time.Millisecond
	cfg.FetchPollInterval = 100 * time.Millisecond
})

// dbPath is a new file in the test's own directory.
func dbPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "webhooks.db")
}

// stop stops q when t ends.
func stopAtEnd[TTx any](t testing.TB, q *riverjobs.Queue[TTx]) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
}

// delivery is a signed body and its headers.
type delivery struct {
	body    []byte
	headers core.Headers
}

func signed(t testing.TB, webhookID, typ string) delivery {
	t.Helper()
	return signedWith(t, secret, webhookID, typ, 0)
}

// signedWith signs with key a body of type typ padded to at least size bytes.
func signedWith(t testing.TB, key, webhookID, typ string, size int) delivery {
	t.Helper()
	s, err := core.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	pad := bytes.Repeat([]byte("x"), max(0, size))
	body := fmt.Appendf(nil, `{"type": %q,  "id":"evt_%s","object":"event","created_at":1750861210,"data":{"id":"batch_1","pad":%q}}`, typ, webhookID, pad)
	return delivery{body: body, headers: s.Headers(webhookID, time.Now(), body)}
}

// send posts d to url and returns the status and answer.
func send(url string, d delivery) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	d.headers.Set(req.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer), err
}

// waitFor polls cond until it holds, failing the test after a generous deadline.
func waitFor(t testing.TB, what string, cond func() (bool, error)) {
	t.Helper()
	testkit.WaitFor(t, what, 60*time.Second, cond)
}

// count runs a count query on the file at path through a connection of its own.
func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// openFile opens the file at path with sqlitejobs' settings, closed when t ends.
func openFile(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sqlitejobs.OpenDB(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
