package riverjobs_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/ginadapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testpg"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/riverjobs/pgxtx"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

var quiet = slog.New(slog.DiscardHandler)

func TestMain(m *testing.M) {
	if url := os.Getenv(envChildDatabase); url != "" {
		if err := runStuckWorker(url); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	gin.SetMode(gin.ReleaseMode)
	os.Exit(testpg.Run(m))
}

func mustVerifier(t testing.TB, opts ...core.Option) *core.Verifier {
	t.Helper()
	v, err := core.NewVerifier(secret, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// handledTable is the table the test handlers write to. No unique constraint: a second
// effect of a delivery must be visible as a second row.
const handledTable = `CREATE TABLE IF NOT EXISTS handled (webhook_id text NOT NULL, event_id text NOT NULL, worker text NOT NULL)`

// migrate creates River's tables, and the table the test handlers write to.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	if err := riverMigrate(ctx, riverpgxv5.New(pool)); err != nil {
		return err
	}
	_, err := pool.Exec(ctx, handledTable)
	return err
}

// riverMigrate runs River's migrations quietly.
func riverMigrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) error {
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: quiet})
	if err != nil {
		return err
	}
	_, err = migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// env is a migrated database of the test's own that River runs on: PostgreSQL
// (riverpgxv5, TTx pgx.Tx) or a SQLite file (riversqlite, TTx *sql.Tx). Queries use $1,
// $2, … placeholders, which both understand.
type env[TTx any] struct {
	name string
	// driver returns the driver for one more River client: on PostgreSQL with a pool of
	// its own, as another process would have; on SQLite on the file's one *sql.DB.
	driver func(t testing.TB) riverdriver.Driver[TTx]
	// tx opens the job's transactions (NewTxWorker) and the tests' own.
	tx riverjobs.TxBeginner[TTx]
	// exec runs a statement in tx.
	exec func(ctx context.Context, tx TTx, query string, args ...any) error
	// row runs a query outside any transaction.
	row func(ctx context.Context, query string, args ...any) interface{ Scan(...any) error }

	pool *pgxpool.Pool // PostgreSQL only
	url  string        // PostgreSQL only
}

// postgres returns an env on a PostgreSQL database of the test's own.
func postgres(t testing.TB) *env[pgx.Tx] {
	t.Helper()
	pool, url := database(t)
	return &env[pgx.Tx]{
		name:   "postgres",
		driver: func(t testing.TB) riverdriver.Driver[pgx.Tx] { return riverpgxv5.New(testpg.Connect(t, url)) },
		tx:     pgxtx.New(pool),
		exec: func(ctx context.Context, tx pgx.Tx, query string, args ...any) error {
			_, err := tx.Exec(ctx, query, args...)
			return err
		},
		row: func(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
			return pool.QueryRow(ctx, query, args...)
		},
		pool: pool,
		url:  url,
	}
}

// sqlite returns an env on a SQLite file of the test's own, opened as sqlitejobs does.
func sqlite(t testing.TB) *env[*sql.Tx] {
	t.Helper()
	ctx := context.Background()
	db, err := sqlitejobs.OpenDB(ctx, filepath.Join(t.TempDir(), "river.db"))
	if err != nil {
		t.Fatal(err)
	}
	// Closed after the clients stopped: cleanups run last-registered first.
	t.Cleanup(func() { _ = db.Close() })
	if err := riverMigrate(ctx, riversqlite.New(db)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, handledTable); err != nil {
		t.Fatal(err)
	}
	return &env[*sql.Tx]{
		name:   "sqlite",
		driver: func(testing.TB) riverdriver.Driver[*sql.Tx] { return riversqlite.New(db) },
		tx:     riverjobs.SQL(db),
		exec: func(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
			_, err := tx.ExecContext(ctx, query, args...)
			return err
		},
		row: func(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
			return db.QueryRowContext(ctx, query, args...)
		},
	}
}

// onBothDrivers runs a test on PostgreSQL and on SQLite, each in a database of its own:
// the same generic test, instantiated for each driver's transaction type.
func onBothDrivers(t *testing.T, pg func(*testing.T, *env[pgx.Tx]), lite func(*testing.T, *env[*sql.Tx])) {
	t.Run("postgres", func(t *testing.T) { pg(t, postgres(t)) })
	t.Run("sqlite", func(t *testing.T) { lite(t, sqlite(t)) })
}

// database returns a migrated PostgreSQL database of the test's own.
func database(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	pool, url := testpg.NewPool(t)
	if err := migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return pool, url
}

// quickRetry retries a failed job at once.
type quickRetry struct{}

func (quickRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(10 * time.Millisecond)
}

// fastConfig makes a client poll often and retry at once.
func fastConfig(cfg *river.Config) {
	cfg.Logger = quiet
	cfg.RetryPolicy = quickRetry{}
	cfg.FetchCooldown = 20 * time.Millisecond
	cfg.FetchPollInterval = 200 * time.Millisecond
}

// newClient returns a River client on b. With workers, it works queue; without, it
// only inserts. It is stopped when t ends.
func newClient[TTx any](t testing.TB, b *env[TTx], workers *river.Workers, queue string, tune func(*river.Config)) *river.Client[TTx] {
	t.Helper()
	cfg := &river.Config{}
	fastConfig(cfg)
	if workers != nil {
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{queue: {MaxWorkers: 10}}
	}
	if tune != nil {
		tune(cfg)
	}
	client, err := river.NewClient(b.driver(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if workers != nil {
		if err := client.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = client.Stop(ctx)
		})
	}
	return client
}

// start returns a queue made by riverjobs.Start on b, fast, stopped when t ends.
func start[TTx any](t testing.TB, b *env[TTx], v *core.Verifier, h core.Handler, opts ...riverjobs.Option) *riverjobs.Queue[TTx] {
	t.Helper()
	opts = append([]riverjobs.Option{riverjobs.WithRiverConfig(fastConfig), riverjobs.WithLogger(quiet)}, opts...)
	q, err := riverjobs.Start(context.Background(), b.driver(t), v, h, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
	return q
}

// receivers serves an enqueuer through the nethttp and the gin adapter, each with an
// insert-only River client of its own, and returns their URLs.
func receivers[TTx any](t testing.TB, b *env[TTx], opts ...riverjobs.EnqueuerOption) []string {
	t.Helper()
	v := mustVerifier(t)
	plain := httptest.NewServer(nethttp.Handler(v, riverjobs.NewEnqueuer(newClient(t, b, nil, "", nil), opts...), nethttp.WithLogger(quiet)))
	t.Cleanup(plain.Close)
	engine := gin.New()
	engine.POST("/webhooks/openai", ginadapter.Handler(v, riverjobs.NewEnqueuer(newClient(t, b, nil, "", nil), opts...), ginadapter.WithLogger(quiet)))
	withGin := httptest.NewServer(engine)
	t.Cleanup(withGin.Close)
	return []string{plain.URL, withGin.URL + "/webhooks/openai"}
}

// delivery is a signed body and its headers.
type delivery struct {
	body    []byte
	headers core.Headers
}

func signed(t testing.TB, webhookID string) delivery {
	t.Helper()
	return signedAt(t, webhookID, time.Now())
}

// signedAt signs at ts: OpenAI's retry of a delivery has the same webhook-id and body but
// a new timestamp, hence a new signature.
func signedAt(t testing.TB, webhookID string, ts time.Time) delivery {
	t.Helper()
	return signedWith(t, secret, webhookID, ts)
}

// signedWith signs with key.
func signedWith(t testing.TB, key, webhookID string, ts time.Time) delivery {
	t.Helper()
	s, err := core.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	// Spacing and key order that jsonb would change: the body must survive as bytes.
	body := fmt.Appendf(nil, `{"type": "batch.completed",  "id":"evt_%s","object":"event","created_at":1750861210,"data":{"id":"batch_1"}}`, webhookID)
	return delivery{body: body, headers: s.Headers(webhookID, ts, body)}
}

// send posts d to url and returns the status and answer.
func send(client *http.Client, url string, d delivery) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(d.body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	d.headers.Set(req.Header)
	resp, err := client.Do(req)
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
	testkit.WaitFor(t, what, 90*time.Second, cond)
}

func count[TTx any](t testing.TB, b *env[TTx], query string, args ...any) int {
	t.Helper()
	var n int
	if err := b.row(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// insertRow is the test's TxHandler effect: one row per handled event.
func insertRow[TTx any](ctx context.Context, b *env[TTx], tx TTx, e *core.Event, worker string) error {
	return b.exec(ctx, tx, `INSERT INTO handled (webhook_id, event_id, worker) VALUES ($1, $2, $3)`, e.WebhookID, e.ID, worker)
}
