package riverjobs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testpg"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/riverjobs/pgxtx"
)

// Two receivers (net/http and gin) on one database, every delivery sent four times at
// once over both, two worker clients whose handler fails after writing on the first two
// attempts of some deliveries: in the end one row and one job per delivery.
func TestConcurrentRedeliveriesOverTwoReceiversHaveOneEffect(t *testing.T) {
	const deliveries, copies = 30, 4
	pool, url := database(t)
	ctx := context.Background()
	urls := receivers(t, url)

	var handled testkit.Counter
	flaky := func(id string) bool { return strings.HasSuffix(id, "0") || strings.HasSuffix(id, "7") }
	for _, name := range []string{"w1", "w2"} {
		workers := river.NewWorkers()
		river.AddWorker(workers, riverjobs.NewTxWorker(mustVerifier(t), pgxtx.New(pool), riverjobs.TxHandlerFunc[pgx.Tx](func(ctx context.Context, tx pgx.Tx, e *core.Event) error {
			n := handled.Add(e.WebhookID)
			if err := insertRow(ctx, tx, e, name); err != nil {
				return err
			}
			if flaky(e.WebhookID) && n <= 2 {
				return fmt.Errorf("attempt %d of %s fails after its insert", n, e.WebhookID)
			}
			return nil
		}), riverjobs.WithLogger(quiet)))
		newClient(t, url, workers, river.QueueDefault, nil)
	}

	httpClient := &http.Client{}
	var wg sync.WaitGroup
	errs := make(chan error, deliveries*copies)
	for i := range deliveries {
		id := fmt.Sprintf("wh_%02d", i)
		// Two copies of the delivery and two of a retry of it, signed a minute later.
		first, retry := signedAt(t, id, time.Now().Add(-time.Minute)), signed(t, id)
		for c := range copies {
			d := first
			if c >= 2 {
				d = retry
			}
			wg.Go(func() {
				status, answer, err := send(httpClient, urls[c%2], d)
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("%s copy %d: %d %s", d.headers.ID, c, status, answer)
				}
				if err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	// Every job was stored before its 200: wait for all of them to be finished.
	waitFor(t, "every job finished", func() (bool, error) {
		return count(t, pool, `SELECT count(*) FROM river_job WHERE finalized_at IS NULL`) == 0, nil
	})
	if n := count(t, pool, `SELECT count(*) FROM river_job`); n != deliveries {
		t.Fatalf("%d jobs for %d deliveries, want one each", n, deliveries)
	}
	if n := count(t, pool, `SELECT count(*) FROM river_job WHERE state = 'completed'`); n != deliveries {
		t.Fatalf("%d of %d jobs completed", n, deliveries)
	}
	rows, err := pool.Query(ctx, `SELECT webhook_id, count(*) FROM handled GROUP BY webhook_id`)
	if err != nil {
		t.Fatal(err)
	}
	perID, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
		ID string
		N  int
	}])
	if err != nil {
		t.Fatal(err)
	}
	if len(perID) != deliveries {
		t.Fatalf("rows for %d deliveries, want %d", len(perID), deliveries)
	}
	for _, r := range perID {
		if r.N != 1 {
			t.Errorf("%s: %d rows, want exactly 1", r.ID, r.N)
		}
		want := 1
		if flaky(r.ID) {
			want = 3
		}
		if got := handled.Get(r.ID); got != want {
			t.Errorf("%s: handler ran %d times, want %d", r.ID, got, want)
		}
	}

	// A redelivery after the job completed is acknowledged and not queued again.
	if status, answer, err := send(httpClient, urls[1], signed(t, "wh_03")); err != nil || status != 200 {
		t.Fatalf("redelivery after completion: %d %s %v, want 200", status, answer, err)
	}
	if n := count(t, pool, `SELECT count(*) FROM river_job`); n != deliveries {
		t.Fatalf("%d jobs after a redelivery of a completed one, want %d", n, deliveries)
	}
}

// A job whose stored body was changed after signing, or whose arguments do not decode,
// is cancelled and never reaches the handler; a genuine job next to them is handled.
func TestJobThatDoesNotVerifyIsCancelledWithoutReachingTheHandler(t *testing.T) {
	_, url := database(t)
	ctx := context.Background()
	var handled testkit.Counter
	workers := river.NewWorkers()
	river.AddWorker(workers, riverjobs.NewWorker(mustVerifier(t), core.HandlerFunc(func(_ context.Context, e *core.Event) error {
		handled.Add(e.WebhookID)
		return nil
	}), riverjobs.WithLogger(quiet)))
	client := newClient(t, url, workers, river.QueueDefault, nil)
	opts := riverjobs.NewEnqueuer(client).InsertOpts()

	genuine := signed(t, "wh_genuine")
	tampered := signed(t, "wh_tampered")
	tampered.body = []byte(strings.Replace(string(tampered.body), "batch_1", "batch_2", 1))
	insert := func(args river.JobArgs) int64 {
		res, err := client.Insert(ctx, args, opts)
		if err != nil {
			t.Fatal(err)
		}
		return res.Job.ID
	}
	argsOf := func(d delivery) riverjobs.EventArgs {
		return riverjobs.EventArgs{WebhookID: d.headers.ID, Timestamp: d.headers.Timestamp, Signature: d.headers.Signature, Body: d.body}
	}
	ids := map[string]int64{
		"genuine":     insert(argsOf(genuine)),
		"tampered":    insert(argsOf(tampered)),
		"undecodable": insert(undecodableArgs{WebhookID: "wh_undecodable", Body: 42}),
	}
	want := map[string]rivertype.JobState{"genuine": rivertype.JobStateCompleted, "tampered": rivertype.JobStateCancelled, "undecodable": rivertype.JobStateCancelled}
	for name, id := range ids {
		var job *rivertype.JobRow
		waitFor(t, name+" job finalized", func() (bool, error) {
			var err error
			job, err = client.JobGet(ctx, id)
			return err == nil && job.FinalizedAt != nil, err
		})
		if job.State != want[name] {
			t.Errorf("%s job: %s, want %s (errors %v)", name, job.State, want[name], job.Errors)
		}
		if want[name] == rivertype.JobStateCancelled {
			if job.Attempt != 1 || len(job.Errors) != 1 || !strings.Contains(job.Errors[0].Error, "does not hold a verifiable delivery") {
				t.Errorf("%s job: attempt %d, errors %+v; want one attempt with ErrInvalidJob", name, job.Attempt, job.Errors)
			}
		}
	}
	if handled.Get("wh_genuine") != 1 || handled.Total() != 1 {
		t.Fatalf("handler calls: %d for wh_genuine, %d in all; want only wh_genuine, once", handled.Get("wh_genuine"), handled.Total())
	}

	// A cancelled job does not keep OpenAI's genuine redelivery of its webhook-id out.
	redelivered := signed(t, "wh_tampered")
	res, err := riverjobs.NewEnqueuer(client).Enqueue(ctx, mustUnwrap(t, redelivered))
	if err != nil || res.UniqueSkippedAsDuplicate {
		t.Fatalf("genuine redelivery after a cancelled forgery: %+v %v, want a new job", res, err)
	}
	waitFor(t, "redelivery handled", func() (bool, error) { return handled.Get("wh_tampered") == 1, nil })
}

// undecodableArgs has the kind of EventArgs but a body that is not base64 text.
type undecodableArgs struct {
	WebhookID string `json:"webhook_id" river:"unique"`
	Body      int    `json:"body"`
}

func (undecodableArgs) Kind() string { return riverjobs.Kind }

func mustUnwrap(t testing.TB, d delivery) *core.Event {
	t.Helper()
	e, err := mustVerifier(t).Unwrap(d.body, d.headers)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// With PostgreSQL down, the delivery is not acknowledged: the adapter answers non-2xx,
// so OpenAI retries it later.
func TestDatabaseDownAtEnqueueIsNotAcknowledged(t *testing.T) {
	server := testpg.StartServer(t)
	url := server.NewDatabase(t)
	pool := testpg.Connect(t, url)
	if err := migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	urls := receivers(t, url)
	httpClient := &http.Client{}
	for _, u := range urls {
		if status, answer, err := send(httpClient, u, signed(t, "wh_before")); err != nil || status != 200 {
			t.Fatalf("%s with the database up: %d %s %v, want 200", u, status, answer, err)
		}
	}
	server.Stop()
	for _, u := range urls {
		status, answer, err := send(httpClient, u, signed(t, "wh_during"))
		if err != nil {
			t.Fatal(err)
		}
		if status >= 200 && status < 300 {
			t.Fatalf("%s with the database down: %d %s, want non-2xx", u, status, answer)
		}
	}
}

// EnqueueTx stores the job with the caller's own writes: a rollback leaves neither, and
// a second transaction enqueuing the same webhook-id finds it already queued.
func TestEnqueueTxFollowsTheCallersTransaction(t *testing.T) {
	pool, url := database(t)
	ctx := context.Background()
	q := riverjobs.NewEnqueuer(newClient(t, url, nil, "", nil))
	e := mustUnwrap(t, signed(t, "wh_tx"))

	inTx := func(commit bool) *rivertype.JobInsertResult {
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if err := insertRow(ctx, tx, e, "caller"); err != nil {
			t.Fatal(err)
		}
		res, err := q.EnqueueTx(ctx, tx, e)
		if err != nil {
			t.Fatal(err)
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		return res
	}
	inTx(false)
	if jobs, rows := count(t, pool, `SELECT count(*) FROM river_job`), count(t, pool, `SELECT count(*) FROM handled`); jobs != 0 || rows != 0 {
		t.Fatalf("after rollback: %d jobs, %d rows; want none", jobs, rows)
	}
	if res := inTx(true); res.UniqueSkippedAsDuplicate {
		t.Fatal("first committed enqueue reported a duplicate")
	}
	if res := inTx(true); !res.UniqueSkippedAsDuplicate {
		t.Fatal("second enqueue of the same webhook-id was not a duplicate")
	}
	if jobs := count(t, pool, `SELECT count(*) FROM river_job`); jobs != 1 {
		t.Fatalf("%d jobs, want 1", jobs)
	}
}

// A job that fails until its attempts run out is discarded; a redelivery meanwhile is
// acknowledged without a new job; River's JobRetry replays it.
func TestDiscardedJobIsNotQueuedAgainAndCanBeReplayed(t *testing.T) {
	pool, url := database(t)
	ctx := context.Background()
	var fail sync.Map
	fail.Store("wh_dead", true)
	var handled testkit.Counter
	workers := river.NewWorkers()
	river.AddWorker(workers, riverjobs.NewWorker(mustVerifier(t), core.HandlerFunc(func(_ context.Context, e *core.Event) error {
		handled.Add(e.WebhookID)
		if _, ok := fail.Load(e.WebhookID); ok {
			return errors.New("downstream unavailable")
		}
		return nil
	})))
	client := newClient(t, url, workers, river.QueueDefault, nil)
	urls := receivers(t, url, riverjobs.WithMaxAttempts(2))
	httpClient := &http.Client{}
	d := signed(t, "wh_dead")
	if status, answer, err := send(httpClient, urls[0], d); err != nil || status != 200 {
		t.Fatalf("delivery: %d %s %v", status, answer, err)
	}
	waitFor(t, "job discarded", func() (bool, error) {
		return count(t, pool, `SELECT count(*) FROM river_job WHERE state = 'discarded'`) == 1, nil
	})
	if n := handled.Get("wh_dead"); n != 2 {
		t.Fatalf("handler ran %d times, want 2 (WithMaxAttempts(2))", n)
	}
	if status, answer, err := send(httpClient, urls[1], d); err != nil || status != 200 {
		t.Fatalf("redelivery of a discarded job: %d %s %v, want 200", status, answer, err)
	}
	if n := count(t, pool, `SELECT count(*) FROM river_job`); n != 1 {
		t.Fatalf("%d jobs after redelivery, want 1", n)
	}
	fail.Delete("wh_dead")
	var id int64
	if err := pool.QueryRow(ctx, `SELECT id FROM river_job`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.JobRetry(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replayed job completed", func() (bool, error) {
		return count(t, pool, `SELECT count(*) FROM river_job WHERE state = 'completed'`) == 1, nil
	})
	if n := handled.Get("wh_dead"); n != 3 {
		t.Fatalf("handler ran %d times, want 3", n)
	}
}

func TestEnqueueRefusesEventWithoutHeaders(t *testing.T) {
	pool, url := database(t)
	q := riverjobs.NewEnqueuer(newClient(t, url, nil, "", nil))
	e, err := core.ParseEvent([]byte(`{"id":"evt_1","object":"event","created_at":1,"type":"batch.completed","data":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := q.HandleEvent(context.Background(), e); !errors.Is(err, riverjobs.ErrNoHeaders) {
		t.Fatalf("HandleEvent(parsed event) = %v, want ErrNoHeaders", err)
	}
	if n := count(t, pool, `SELECT count(*) FROM river_job`); n != 0 {
		t.Fatalf("%d jobs, want 0", n)
	}
}
