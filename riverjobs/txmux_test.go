package riverjobs_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/riverjobs"
)

// ownBatch is an application's own struct for the data of batch events.
type ownBatch struct {
	ID string `json:"id"`
}

// enqueueEvent stores a signed delivery of type typ with data {"id":dataID} as a job.
func enqueueEvent[TTx any](t *testing.T, enq *riverjobs.Enqueuer[TTx], webhookID string, typ core.EventType, dataID string) {
	t.Helper()
	s, err := core.NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]string{"id": dataID})
	body := fmt.Appendf(nil, `{"id":"evt_%s","object":"event","created_at":1750861210,"type":%q,"data":%s}`, webhookID, typ, data)
	v := mustVerifier(t)
	e, err := v.Unwrap(body, s.Headers(webhookID, time.Now(), body))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enq.Enqueue(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

// A TxMux under real River workers: each typed handler gets the job's transaction and
// its data in the type it asked for, a failing one is rolled back and retried, and a
// type without a handler completes its job, logged, with no effect.
func TestTxMuxDispatchesTypedDataInTheJobsTransaction(t *testing.T) {
	onBothDrivers(t, testTxMux[pgx.Tx], testTxMux[*sql.Tx])
}

func testTxMux[TTx any](t *testing.T, b *env[TTx]) {
	var attempts testkit.Counter
	mux := riverjobs.NewTxMux[TTx]()
	insert := func(ctx context.Context, tx TTx, e *core.Event, what string) error {
		return b.exec(ctx, tx, `INSERT INTO handled (webhook_id, event_id, worker) VALUES ($1, $2, 'txmux')`, e.WebhookID, what)
	}
	riverjobs.OnTx(mux, core.BatchCompleted, func(ctx context.Context, tx TTx, e *core.Event, data core.BatchData) error {
		return insert(ctx, tx, e, "canonical "+data.ID)
	})
	riverjobs.OnTx(mux, core.BatchExpired, func(ctx context.Context, tx TTx, e *core.Event, data *core.BatchData) error {
		return insert(ctx, tx, e, "pointer "+data.ID)
	})
	riverjobs.OnTx(mux, core.BatchFailed, func(ctx context.Context, tx TTx, e *core.Event, data ownBatch) error {
		if err := insert(ctx, tx, e, "own "+data.ID); err != nil {
			return err
		}
		if attempts.Add(e.WebhookID) == 1 {
			return fmt.Errorf("the first attempt fails after its insert")
		}
		return nil
	})
	riverjobs.OnTx(mux, core.BatchCancelled, func(ctx context.Context, tx TTx, e *core.Event, data map[string]any) error {
		return insert(ctx, tx, e, fmt.Sprint("map ", data["id"]))
	})
	mux.OnFunc(core.EvalRunFailed, func(ctx context.Context, tx TTx, e *core.Event) error {
		return insert(ctx, tx, e, "untyped")
	})

	var logs testkit.LockedBuffer
	workers := river.NewWorkers()
	river.AddWorker(workers, riverjobs.NewTxWorker(mustVerifier(t), b.tx, mux, riverjobs.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))))
	newClient(t, b, workers, river.QueueDefault, nil)

	enq := riverjobs.NewEnqueuer(newClient(t, b, nil, "", nil))
	want := map[string]string{
		"wh_canonical": "canonical batch_1",
		"wh_pointer":   "pointer batch_2",
		"wh_own":       "own batch_3",
		"wh_map":       "map batch_4",
		"wh_untyped":   "untyped",
	}
	enqueueEvent(t, enq, "wh_canonical", core.BatchCompleted, "batch_1")
	enqueueEvent(t, enq, "wh_pointer", core.BatchExpired, "batch_2")
	enqueueEvent(t, enq, "wh_own", core.BatchFailed, "batch_3")
	enqueueEvent(t, enq, "wh_map", core.BatchCancelled, "batch_4")
	enqueueEvent(t, enq, "wh_untyped", core.EvalRunFailed, "eval_1")
	enqueueEvent(t, enq, "wh_unhandled", core.ResponseCompleted, "resp_1")

	waitFor(t, "every job completed", func() (bool, error) {
		return count(t, b, `SELECT count(*) FROM river_job WHERE state = 'completed'`) == 6, nil
	})
	if n := count(t, b, `SELECT count(*) FROM handled`); n != len(want) {
		t.Errorf("%d rows, want %d: a failed attempt's insert was committed, or a handler did not run", n, len(want))
	}
	got := map[string]string{}
	for id := range want {
		var what string
		if err := b.row(context.Background(), `SELECT event_id FROM handled WHERE webhook_id = $1`, id).Scan(&what); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		got[id] = what
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	if n := attempts.Get("wh_own"); n != 2 {
		t.Errorf("the failing handler ran %d times, want 2", n)
	}
	if !strings.Contains(logs.String(), `level=INFO msg="riverjobs: no handler for the event type; job completed"`) ||
		!strings.Contains(logs.String(), "webhook_id=wh_unhandled event_type=response.completed") {
		t.Errorf("the unhandled job was not logged:\n%s", logs.String())
	}
}

// OnTx applies core.On's rule at registration: another family's data struct panics,
// naming OnTx and the right type; the application's own struct does not.
func TestOnTxRefusesAnotherFamilysStruct(t *testing.T) {
	mux := riverjobs.NewTxMux[pgx.Tx]()
	riverjobs.OnTx(mux, core.FineTuningJobSucceeded, func(context.Context, pgx.Tx, *core.Event, ownBatch) error { return nil })
	mustPanic := func(name string, register func(), wantIn ...string) {
		t.Helper()
		defer func() {
			t.Helper()
			msg, _ := recover().(string)
			for _, want := range wantIn {
				if !strings.Contains(msg, want) {
					t.Errorf("%s: panic %q does not name %q", name, msg, want)
				}
			}
		}()
		register()
	}
	mustPanic("another family", func() {
		riverjobs.OnTx(mux, core.FineTuningJobSucceeded, func(context.Context, pgx.Tx, *core.Event, core.BatchData) error { return nil })
	}, "riverjobs.OnTx", "fine_tuning.job.succeeded", "core.FineTuningJobData", "core.BatchData")
	mustPanic("nil mux", func() {
		riverjobs.OnTx(nil, core.BatchCompleted, func(context.Context, pgx.Tx, *core.Event, core.BatchData) error { return nil })
	}, "riverjobs.OnTx", "NewTxMux")
	mustPanic("nil handler", func() {
		riverjobs.OnTx[core.BatchData](mux, core.BatchCompleted, nil)
	}, "riverjobs.OnTx", "nil")
}
