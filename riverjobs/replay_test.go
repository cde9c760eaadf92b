package riverjobs_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/riverjobs"
)

// A cancelled job does not block its webhook-id, so OpenAI's redelivery is queued and
// handled as a new job. Replaying the webhook-id afterwards must not bring back the
// cancelled one: the delivery is done already, and running the old job would be a
// second effect (or fail on River's unique index with an error that explains nothing).
func TestReplayLeavesACancelledJobSupersededByANewerOne(t *testing.T) {
	onBothDrivers(t, testReplaySuperseded[pgx.Tx], testReplaySuperseded[*sql.Tx])
}

func testReplaySuperseded[TTx any](t *testing.T, b *env[TTx]) {
	ctx := context.Background()
	var handled testkit.Counter
	q := start(t, b, mustVerifier(t), core.HandlerFunc(func(_ context.Context, e *core.Event) error {
		handled.Add(e.WebhookID)
		return nil
	}))
	// The first job, cancelled before a worker took it (River UI's Cancel, say): stored
	// through an insert-only queue on a queue no worker works, then cancelled.
	tool, err := riverjobs.Open(ctx, b.driver(t), riverjobs.WithoutMigrations(), riverjobs.WithQueue("parked"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tool.Stop(context.Background()) })
	first, err := tool.Enqueue(ctx, mustUnwrap(t, signed(t, "wh_superseded")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tool.Client().JobCancel(ctx, first.Job.ID); err != nil {
		t.Fatal(err)
	}
	// OpenAI's redelivery: a new job, worked and completed.
	second, err := q.Enqueue(ctx, mustUnwrap(t, signed(t, "wh_superseded")))
	if err != nil || second.UniqueSkippedAsDuplicate {
		t.Fatalf("redelivery after a cancelled job: %+v %v, want a new job", second, err)
	}
	waitFor(t, "the redelivery's job completed", func() (bool, error) {
		return count(t, b, `SELECT count(*) FROM river_job WHERE state = 'completed'`) == 1, nil
	})

	_, err = q.Replay(ctx, "wh_superseded")
	if !errors.Is(err, riverjobs.ErrNotReplayable) {
		t.Fatalf("Replay of a webhook-id whose newer job completed = %v, want ErrNotReplayable", err)
	}
	if n := count(t, b, `SELECT count(*) FROM river_job WHERE state = 'cancelled'`); n != 1 {
		t.Fatalf("%d cancelled jobs after Replay, want the one, left as it was", n)
	}
	if n := handled.Get("wh_superseded"); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}

	// A cancelled job that nothing superseded is replayed, into the queue it was
	// stored in.
	alone, err := tool.Enqueue(ctx, mustUnwrap(t, signed(t, "wh_cancelled_alone")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tool.Client().JobCancel(ctx, alone.Job.ID); err != nil {
		t.Fatal(err)
	}
	row, err := q.Replay(ctx, "wh_cancelled_alone")
	if err != nil || row.ID != alone.Job.ID || row.State != rivertype.JobStateAvailable {
		t.Fatalf("Replay of a cancelled job = %+v, %v; want job %d available", row, err, alone.Job.ID)
	}
}
