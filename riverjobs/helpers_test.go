package riverjobs_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/ginadapter"
	"github.com/webhookkit/openai-webhooks/internal/testpg"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
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

func mustVerifier(t testing.TB) *core.Verifier {
	t.Helper()
	v, err := core.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// migrate creates River's tables, and the table the test handlers write to.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: quiet})
	if err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	// No unique constraint: a second effect of a delivery must be visible as a second row.
	_, err = pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS handled (webhook_id text NOT NULL, event_id text NOT NULL, worker text NOT NULL)`)
	return err
}

// database returns a migrated database of the test's own.
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

// newClient returns a River client on its own pool to url. With workers, it works
// queue; without, it only inserts. It is stopped when t ends.
func newClient(t testing.TB, url string, workers *river.Workers, queue string, tune func(*river.Config)) *river.Client[pgx.Tx] {
	t.Helper()
	pool := testpg.Connect(t, url)
	cfg := &river.Config{Logger: quiet, RetryPolicy: quickRetry{}}
	if workers != nil {
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{queue: {MaxWorkers: 10}}
		cfg.FetchCooldown = 20 * time.Millisecond
		cfg.FetchPollInterval = 200 * time.Millisecond
	}
	if tune != nil {
		tune(cfg)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), cfg)
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

// receivers serves an enqueuer through the nethttp and the gin adapter, each with an
// insert-only River client of its own, and returns their URLs.
func receivers(t testing.TB, url string, opts ...riverjobs.EnqueuerOption) []string {
	t.Helper()
	v := mustVerifier(t)
	plain := httptest.NewServer(nethttp.Handler(v, riverjobs.NewEnqueuer(newClient(t, url, nil, "", nil), opts...), nethttp.WithLogger(quiet)))
	t.Cleanup(plain.Close)
	engine := gin.New()
	engine.POST("/webhooks/openai", ginadapter.Handler(v, riverjobs.NewEnqueuer(newClient(t, url, nil, "", nil), opts...), ginadapter.WithLogger(quiet)))
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
	s, err := core.NewSigner(secret)
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

// waitFor polls cond until it holds, failing the test after a generous deadline (a
// guard against hanging, not a timing assertion).
func waitFor(t testing.TB, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func count(t testing.TB, pool *pgxpool.Pool, query string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// insertRow is the test's TxHandler effect: one row per handled event.
func insertRow(ctx context.Context, tx pgx.Tx, e *core.Event, worker string) error {
	_, err := tx.Exec(ctx, `INSERT INTO handled (webhook_id, event_id, worker) VALUES ($1, $2, $3)`, e.WebhookID, e.ID, worker)
	return err
}
