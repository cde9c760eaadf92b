package sqlitejobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

// Stop while a transactional handler holds the file's one connection and deliveries
// wait for it: Stop cancels the job, returns, and every waiting delivery is answered,
// 200 only if its job is in the file.
func TestStopWhileDeliveriesWaitForTheConnection(t *testing.T) {
	const waiting = 20
	path := dbPath(t)
	ctx := context.Background()
	started := make(chan struct{}, 1)
	mux := riverjobs.NewTxMux[*sql.Tx]()
	mux.OnFunc(core.BatchCompleted, func(ctx context.Context, tx *sql.Tx, e *core.Event) error {
		if e.WebhookID == "wh_slow" {
			started <- struct{}{}
			<-ctx.Done() // holds the transaction, hence the connection, until cancelled
			return ctx.Err()
		}
		return nil
	})
	q, err := sqlitejobs.OpenTx(ctx, path, mustVerifier(t), mux, fast, riverjobs.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(nethttp.Handler(mustVerifier(t), q, nethttp.WithLogger(quiet)))
	t.Cleanup(srv.Close)
	if status, answer, err := send(srv.URL, signed(t, "wh_slow", "batch.completed")); err != nil || status != 200 {
		t.Fatalf("delivery: %d %s %v", status, answer, err)
	}
	<-started

	var wg sync.WaitGroup
	answers := make([]int, waiting)
	for i := range waiting {
		wg.Go(func() {
			status, _, err := send(srv.URL, signed(t, fmt.Sprintf("wh_wait_%02d", i), "batch.completed"))
			if err != nil {
				t.Error(err)
			}
			answers[i] = status
		})
	}
	time.Sleep(200 * time.Millisecond) // let them queue behind the job's transaction
	stopCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- q.Stop(stopCtx) }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Stop: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Stop did not return within 30 s")
	}
	wg.Wait()

	db := openFile(t, path)
	for i, status := range answers {
		n := count(t, db, `SELECT count(*) FROM river_job WHERE args ->> 'webhook_id' = ?`, fmt.Sprintf("wh_wait_%02d", i))
		if status == 200 && n != 1 {
			t.Errorf("wh_wait_%02d answered 200 but %d jobs stored", i, n)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM river_job WHERE args ->> 'webhook_id' = 'wh_slow' AND state = 'completed'`); n != 0 {
		t.Errorf("the cancelled job completed")
	}
}
