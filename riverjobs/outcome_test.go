package riverjobs_test

import (
	"database/sql"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testotel"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
)

// A webhook-id sent twice through the Enqueuer on a real PostgreSQL and a real SQLite file: the second is
// answered duplicate (River's UniqueSkippedAsDuplicate), logged as the idempotency
// store's duplicates are, and counted duplicate by otelwebhooks.
func TestRedeliveryIsAnsweredAndCountedDuplicate(t *testing.T) {
	onBothDrivers(t, testRedeliveryIsDuplicate[pgx.Tx], testRedeliveryIsDuplicate[*sql.Tx])
}

func testRedeliveryIsDuplicate[TTx any](t *testing.T, b *env[TTx]) {
	meter := testotel.New(t)
	var logs testkit.LockedBuffer
	srv := httptest.NewServer(nethttp.Handler(mustVerifier(t), riverjobs.NewEnqueuer(newClient(t, b, nil, "", nil)),
		nethttp.WithObserver(meter.Observer), nethttp.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))))
	t.Cleanup(srv.Close)

	httpClient := &http.Client{}
	for i, want := range []string{`{"received":true}`, `{"received":true,"duplicate":true}`} {
		// OpenAI's retry: the same webhook-id and body, a fresh signature.
		status, answer, err := send(httpClient, srv.URL, signed(t, "wh_sent_twice"))
		if err != nil || status != http.StatusOK || answer != want {
			t.Fatalf("delivery %d: %d %s %v, want 200 %s", i+1, status, answer, err, want)
		}
	}
	if n := count(t, b, `SELECT count(*) FROM river_job`); n != 1 {
		t.Fatalf("%d jobs, want 1", n)
	}
	if n := strings.Count(logs.String(), `level=INFO msg="openai-webhooks: duplicate delivery acknowledged" webhook_id=wh_sent_twice`); n != 1 {
		t.Errorf("the duplicate was logged %d times, want once at Info:\n%s", n, logs.String())
	}
	want := map[string]int64{
		"event_type=batch.completed,outcome=handled":   1,
		"event_type=batch.completed,outcome=duplicate": 1,
	}
	if got := meter.Deliveries(t); !maps.Equal(got, want) {
		t.Fatalf("openai.webhooks.deliveries:\ngot  %v\nwant %v", got, want)
	}
}
