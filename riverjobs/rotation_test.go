package riverjobs_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/riverjobs"
)

// slowRetry retries a failed job after a while: long enough for a test to look at the
// job between attempts, short enough not to wait for River's backoff.
type slowRetry struct{}

func (slowRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(300 * time.Millisecond)
}

// A job signed with a secret the worker does not have (a rotation, or a misconfigured
// worker) is not dropped: its attempts fail, logged at Error with the cause, and once
// the worker has the secret (core.WithSecret) the job succeeds, handled once.
func TestJobSignedWithAnOldSecretRetriesUntilTheWorkerHasIt(t *testing.T) {
	onBothDrivers(t, testOldSecret[pgx.Tx], testOldSecret[*sql.Tx])
}

func testOldSecret[TTx any](t *testing.T, b *env[TTx]) {
	ctx := context.Background()
	old, err := core.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	var handled testkit.Counter
	handler := core.HandlerFunc(func(_ context.Context, e *core.Event) error {
		handled.Add(e.WebhookID)
		return nil
	})
	slow := riverjobs.WithRiverConfig(func(cfg *river.Config) { cfg.RetryPolicy = slowRetry{} })
	var logs testkit.LockedBuffer
	misconfigured := start(t, b, mustVerifier(t), handler, slow, riverjobs.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))

	// The receiver still had the old secret when the delivery came in.
	d := signedWith(t, old, "wh_rotated", time.Now())
	oldVerifier, err := core.NewVerifier(old)
	if err != nil {
		t.Fatal(err)
	}
	e, err := oldVerifier.Unwrap(d.body, d.headers)
	if err != nil {
		t.Fatal(err)
	}
	res, err := misconfigured.Enqueue(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the job to fail a second attempt", func() (bool, error) {
		job, err := misconfigured.Client().JobGet(ctx, res.Job.ID)
		if err != nil {
			return false, err
		}
		if job.FinalizedAt != nil {
			t.Fatalf("the job was finalized (%s) after %d attempts; want it retried (errors %+v)", job.State, job.Attempt, job.Errors)
		}
		return len(job.Errors) >= 2, nil
	})
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := misconfigured.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	if handled.Total() != 0 {
		t.Fatal("the handler got a delivery that does not verify")
	}
	if !strings.Contains(logs.String(), `level=ERROR msg="riverjobs: job's delivery does not verify`) ||
		!strings.Contains(logs.String(), `webhook_id=wh_rotated attempt=1`) ||
		!strings.Contains(logs.String(), `cause="no matching webhook signature" kind=no_match`) {
		t.Errorf("the failed attempts were not logged at Error with the job and the cause:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), d.headers.Signature) || strings.Contains(logs.String(), "batch_1") {
		t.Errorf("the log carries the signature or the body:\n%s", logs.String())
	}

	// The configuration fixed: the worker accepts the old secret too. Replay makes the
	// job, waiting for its next attempt, run at once.
	fixed := start(t, b, mustVerifier(t, core.WithSecret(old)), handler, slow)
	if row, err := fixed.Replay(ctx, "wh_rotated"); err != nil && !errors.Is(err, riverjobs.ErrNotReplayable) {
		t.Fatal(err) // ErrNotReplayable: the fixed worker took the job first
	} else if err == nil && row.ID != res.Job.ID {
		t.Fatalf("Replay took job %d, want %d", row.ID, res.Job.ID)
	}
	waitFor(t, "the job completed", func() (bool, error) {
		return count(t, b, `SELECT count(*) FROM river_job WHERE state = 'completed'`) == 1, nil
	})
	if n := handled.Get("wh_rotated"); n != 1 {
		t.Fatalf("handled %d times, want 1", n)
	}
}
