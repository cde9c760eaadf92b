package riverjobs_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testpg"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
)

// Two receivers (net/http and gin) on one database, every delivery sent four times at
// once over both, two worker clients whose handler fails after writing on the first two
// attempts of some deliveries: in the end one row and one job per delivery.
func TestConcurrentRedeliveriesOverTwoReceiversHaveOneEffect(t *testing.T) {
	onBothDrivers(t, testConcurrentRedeliveries[pgx.Tx], testConcurrentRedeliveries[*sql.Tx])
}

func testConcurrentRedeliveries[TTx any](t *testing.T, b *env[TTx]) {
	const deliveries, copies = 30, 4
	urls := receivers(t, b)

	var handled testkit.Counter
	flaky := func(id string) bool { return strings.HasSuffix(id, "0") || strings.HasSuffix(id, "7") }
	for _, name := range []string{"w1", "w2"} {
		workers := river.NewWorkers()
		river.AddWorker(workers, riverjobs.NewTxWorker(mustVerifier(t), b.tx, riverjobs.TxHandlerFunc[TTx](func(ctx context.Context, tx TTx, e *core.Event) error {
			n := handled.Add(e.WebhookID)
			if err := insertRow(ctx, b, tx, e, name); err != nil {
				return err
			}
			if flaky(e.WebhookID) && n <= 2 {
				return fmt.Errorf("attempt %d of %s fails after its insert", n, e.WebhookID)
			}
			return nil
		}), riverjobs.WithLogger(quiet)))
		newClient(t, b, workers, river.QueueDefault, nil)
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
		return count(t, b, `SELECT count(*) FROM river_job WHERE finalized_at IS NULL`) == 0, nil
	})
	if n := count(t, b, `SELECT count(*) FROM river_job`); n != deliveries {
		t.Fatalf("%d jobs for %d deliveries, want one each", n, deliveries)
	}
	if n := count(t, b, `SELECT count(*) FROM river_job WHERE state = 'completed'`); n != deliveries {
		t.Fatalf("%d of %d jobs completed", n, deliveries)
	}
	if n := count(t, b, `SELECT count(*) FROM handled`); n != deliveries {
		t.Errorf("%d rows for %d deliveries, want exactly one each", n, deliveries)
	}
	for i := range deliveries {
		id := fmt.Sprintf("wh_%02d", i)
		if n := count(t, b, `SELECT count(*) FROM handled WHERE webhook_id = $1`, id); n != 1 {
			t.Errorf("%s: %d rows, want exactly 1", id, n)
		}
		want := 1
		if flaky(id) {
			want = 3
		}
		if got := handled.Get(id); got != want {
			t.Errorf("%s: handler ran %d times, want %d", id, got, want)
		}
	}

	// A redelivery after the job completed is acknowledged and not queued again.
	if status, answer, err := send(httpClient, urls[1], signed(t, "wh_03")); err != nil || status != 200 {
		t.Fatalf("redelivery after completion: %d %s %v, want 200", status, answer, err)
	}
	if n := count(t, b, `SELECT count(*) FROM river_job`); n != deliveries {
		t.Fatalf("%d jobs after a redelivery of a completed one, want %d", n, deliveries)
	}
}

// A job whose stored body was changed after signing never reaches the handler: its
// attempts fail, logged at Error with the cause, and when they run out it is a dead
// letter. A job whose arguments do not decode, or whose headers no secret can make
// verify (a timestamp that is not a number), is cancelled at once. A genuine job next
// to them is handled.
func TestJobThatDoesNotVerifyNeverReachesTheHandler(t *testing.T) {
	onBothDrivers(t, testJobThatDoesNotVerify[pgx.Tx], testJobThatDoesNotVerify[*sql.Tx])
}

func testJobThatDoesNotVerify[TTx any](t *testing.T, b *env[TTx]) {
	ctx := context.Background()
	var handled testkit.Counter
	var logs testkit.LockedBuffer
	q := start(t, b, mustVerifier(t), core.HandlerFunc(func(_ context.Context, e *core.Event) error {
		handled.Add(e.WebhookID)
		return nil
	}), riverjobs.WithMaxAttempts(2), riverjobs.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	client := q.Client()
	opts := q.InsertOpts()

	genuine := signed(t, "wh_genuine")
	tampered := signed(t, "wh_tampered")
	tampered.body = []byte(strings.Replace(string(tampered.body), "batch_1", "batch_2", 1))
	malformed := signed(t, "wh_malformed")
	malformed.headers.Timestamp = "yesterday"
	insert := func(args river.JobArgs) int64 {
		res, err := client.Insert(ctx, args, opts)
		if err != nil {
			t.Fatal(err)
		}
		return res.Job.ID
	}
	ids := map[string]int64{
		"genuine":     insert(argsOf(genuine)),
		"tampered":    insert(argsOf(tampered)),
		"undecodable": insert(undecodableArgs{WebhookID: "wh_undecodable", Body: 42}),
		"malformed":   insert(argsOf(malformed)),
	}
	want := map[string]rivertype.JobState{"genuine": rivertype.JobStateCompleted, "tampered": rivertype.JobStateDiscarded, "undecodable": rivertype.JobStateCancelled, "malformed": rivertype.JobStateCancelled}
	attempts := map[string]int{"genuine": 1, "tampered": 2, "undecodable": 1, "malformed": 1}
	for name, id := range ids {
		var job *rivertype.JobRow
		waitFor(t, name+" job finalized", func() (bool, error) {
			var err error
			job, err = client.JobGet(ctx, id)
			return err == nil && job.FinalizedAt != nil, err
		})
		if job.State != want[name] || job.Attempt != attempts[name] {
			t.Errorf("%s job: %s after %d attempts, want %s after %d (errors %v)", name, job.State, job.Attempt, want[name], attempts[name], job.Errors)
		}
		if name != "genuine" {
			if len(job.Errors) != job.Attempt || !strings.Contains(job.Errors[len(job.Errors)-1].Error, "does not hold a verifiable delivery") {
				t.Errorf("%s job: errors %+v; want ErrInvalidJob on each attempt", name, job.Errors)
			}
		}
	}
	if handled.Get("wh_genuine") != 1 || handled.Total() != 1 {
		t.Fatalf("handler calls: %d for wh_genuine, %d in all; want only wh_genuine, once", handled.Get("wh_genuine"), handled.Total())
	}
	if n := strings.Count(logs.String(), `level=ERROR msg="riverjobs: job's delivery does not verify`); n != 2 {
		t.Errorf("%d Error logs of the tampered job, want one per attempt:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), `webhook_id=wh_tampered attempt=2 max_attempts=2 cause="no matching webhook signature"`) {
		t.Errorf("the log does not name the job, its attempt and the cause:\n%s", logs.String())
	}
	letters, err := q.DeadLetters(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(letters) != 1 || letters[0].WebhookID != "wh_tampered" {
		t.Fatalf("dead letters %+v, want the tampered job only", letters)
	}
	// A cancelled job can be replayed too (here it is cancelled again: it cannot decode).
	row, err := q.Replay(ctx, "wh_undecodable")
	if err != nil || row.ID != ids["undecodable"] || row.State != rivertype.JobStateAvailable {
		t.Fatalf("Replay(cancelled) = %+v, %v; want job %d available", row, err, ids["undecodable"])
	}
}

// argsOf is the job arguments of d.
func argsOf(d delivery) riverjobs.EventArgs {
	return riverjobs.EventArgs{WebhookID: d.headers.ID, Timestamp: d.headers.Timestamp, Signature: d.headers.Signature, Body: d.body}
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
// so OpenAI retries it later. (sqlitejobs tests a full SQLite file.)
func TestDatabaseDownAtEnqueueIsNotAcknowledged(t *testing.T) {
	server := testpg.StartServer(t)
	url := server.NewDatabase(t)
	pool := testpg.Connect(t, url)
	if err := migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	urls := receivers(t, &env[pgx.Tx]{driver: func(t testing.TB) riverdriver.Driver[pgx.Tx] { return riverpgxv5.New(testpg.Connect(t, url)) }})
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
	onBothDrivers(t, testEnqueueTx[pgx.Tx], testEnqueueTx[*sql.Tx])
}

func testEnqueueTx[TTx any](t *testing.T, b *env[TTx]) {
	ctx := context.Background()
	q := riverjobs.NewEnqueuer(newClient(t, b, nil, "", nil))
	e := mustUnwrap(t, signed(t, "wh_tx"))

	inTx := func(commit bool) *rivertype.JobInsertResult {
		tx, err := b.tx.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer b.tx.Rollback(ctx, tx)
		if err := insertRow(ctx, b, tx, e, "caller"); err != nil {
			t.Fatal(err)
		}
		res, err := q.EnqueueTx(ctx, tx, e)
		if err != nil {
			t.Fatal(err)
		}
		if commit {
			if err := b.tx.Commit(ctx, tx); err != nil {
				t.Fatal(err)
			}
		}
		return res
	}
	inTx(false)
	if jobs, rows := count(t, b, `SELECT count(*) FROM river_job`), count(t, b, `SELECT count(*) FROM handled`); jobs != 0 || rows != 0 {
		t.Fatalf("after rollback: %d jobs, %d rows; want none", jobs, rows)
	}
	if res := inTx(true); res.UniqueSkippedAsDuplicate {
		t.Fatal("first committed enqueue reported a duplicate")
	}
	if res := inTx(true); !res.UniqueSkippedAsDuplicate {
		t.Fatal("second enqueue of the same webhook-id was not a duplicate")
	}
	if jobs := count(t, b, `SELECT count(*) FROM river_job`); jobs != 1 {
		t.Fatalf("%d jobs, want 1", jobs)
	}
}

// A job that fails until its attempts run out is a dead letter, listed with its
// webhook-id, type, attempts and last error; a redelivery meanwhile is acknowledged
// without a new job; Replay runs it again, and ReplayAll every dead letter.
func TestDeadLetterIsNotQueuedAgainAndCanBeReplayed(t *testing.T) {
	onBothDrivers(t, testDeadLetters[pgx.Tx], testDeadLetters[*sql.Tx])
}

func testDeadLetters[TTx any](t *testing.T, b *env[TTx]) {
	ctx := context.Background()
	var fail sync.Map
	fail.Store("wh_dead", true)
	fail.Store("wh_dead2", true)
	var handled testkit.Counter
	q := start(t, b, mustVerifier(t), core.HandlerFunc(func(_ context.Context, e *core.Event) error {
		handled.Add(e.WebhookID)
		if _, ok := fail.Load(e.WebhookID); ok {
			return errors.New("downstream unavailable")
		}
		return nil
	}), riverjobs.WithMaxAttempts(2))
	srv := httptest.NewServer(nethttp.Handler(mustVerifier(t), q, nethttp.WithLogger(quiet)))
	t.Cleanup(srv.Close)
	urls := append(receivers(t, b, riverjobs.WithMaxAttempts(2)), srv.URL)
	httpClient := &http.Client{}
	before := time.Now()
	for _, id := range []string{"wh_dead", "wh_dead2"} {
		if status, answer, err := send(httpClient, urls[2], signed(t, id)); err != nil || status != 200 {
			t.Fatalf("delivery: %d %s %v", status, answer, err)
		}
	}
	waitFor(t, "jobs discarded", func() (bool, error) {
		return count(t, b, `SELECT count(*) FROM river_job WHERE state = 'discarded'`) == 2, nil
	})
	if n := handled.Get("wh_dead"); n != 2 {
		t.Fatalf("handler ran %d times, want 2 (WithMaxAttempts(2))", n)
	}
	letters, err := q.DeadLetters(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(letters) != 2 {
		t.Fatalf("%d dead letters, want 2: %+v", len(letters), letters)
	}
	d := letters[0]
	if d.WebhookID != "wh_dead" || d.EventType != core.BatchCompleted || d.Attempts != 2 || d.LastError != "downstream unavailable" ||
		d.FailedAt.Before(before.Add(-time.Second)) || d.JobID == 0 || d.Queue != river.QueueDefault {
		t.Fatalf("dead letter %+v, want wh_dead, batch.completed, 2 attempts, the handler's error, failed now", d)
	}
	if first, err := q.DeadLetters(ctx, 1); err != nil || len(first) != 1 || first[0].WebhookID != "wh_dead" {
		t.Fatalf("DeadLetters(limit 1) = %+v %v, want the oldest", first, err)
	}
	for _, u := range urls[:2] {
		if status, answer, err := send(httpClient, u, signed(t, "wh_dead")); err != nil || status != 200 || !strings.Contains(answer, "duplicate") {
			t.Fatalf("redelivery of a dead letter: %d %s %v, want 200 duplicate", status, answer, err)
		}
	}
	if n := count(t, b, `SELECT count(*) FROM river_job`); n != 2 {
		t.Fatalf("%d jobs after redelivery, want 2", n)
	}

	if _, err := q.Replay(ctx, "wh_never"); !errors.Is(err, riverjobs.ErrNotReplayable) {
		t.Fatalf("Replay(unknown) = %v, want ErrNotReplayable", err)
	}
	fail.Delete("wh_dead")
	if _, err := q.Replay(ctx, "wh_dead"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replayed job completed", func() (bool, error) {
		return count(t, b, `SELECT count(*) FROM river_job WHERE state = 'completed'`) == 1, nil
	})
	if n := handled.Get("wh_dead"); n != 3 {
		t.Fatalf("handler ran %d times, want 3", n)
	}
	if _, err := q.Replay(ctx, "wh_dead"); !errors.Is(err, riverjobs.ErrNotReplayable) {
		t.Fatalf("Replay(completed) = %v, want ErrNotReplayable", err)
	}

	// ReplayAll from a queue without workers, as a command-line tool would.
	fail.Delete("wh_dead2")
	tool, err := riverjobs.Open(ctx, b.driver(t), riverjobs.WithoutMigrations())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := tool.ReplayAll(ctx); err != nil || n != 1 {
		t.Fatalf("ReplayAll = %d, %v; want 1", n, err)
	}
	if err := tool.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every job completed", func() (bool, error) {
		return count(t, b, `SELECT count(*) FROM river_job WHERE state = 'completed'`) == 2, nil
	})
	if letters, err := q.DeadLetters(ctx, 0); err != nil || len(letters) != 0 {
		t.Fatalf("dead letters after ReplayAll: %+v %v, want none", letters, err)
	}
}

func TestEnqueueRefusesEventWithoutHeaders(t *testing.T) {
	onBothDrivers(t, testEnqueueRefuses[pgx.Tx], testEnqueueRefuses[*sql.Tx])
}

func testEnqueueRefuses[TTx any](t *testing.T, b *env[TTx]) {
	q := riverjobs.NewEnqueuer(newClient(t, b, nil, "", nil))
	e, err := core.ParseEvent([]byte(`{"id":"evt_1","object":"event","created_at":1,"type":"batch.completed","data":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := q.HandleEvent(context.Background(), e); !errors.Is(err, riverjobs.ErrNoHeaders) {
		t.Fatalf("HandleEvent(parsed event) = %v, want ErrNoHeaders", err)
	}
	if n := count(t, b, `SELECT count(*) FROM river_job`); n != 0 {
		t.Fatalf("%d jobs, want 0", n)
	}
}
