package riverjobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/riverjobs/pgxtx"
)

// recordErrors is a River ErrorHandler that keeps the errors jobs returned.
type recordErrors struct{ errs chan error }

func (r recordErrors) HandleError(_ context.Context, _ *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	r.errs <- err
	return nil
}

func (r recordErrors) HandlePanic(context.Context, *rivertype.JobRow, any, string) *river.ErrorHandlerResult {
	return nil
}

// A worker still running when River rescued its job (no JobTimeout, and longer than
// RescueStuckJobsAfter) finishes after another worker completed the job: it must roll
// back (ErrJobLost), or the delivery's row would be written twice.
func TestWorkerWhoseJobWasTakenOverRollsBack(t *testing.T) {
	const rescueAfter = time.Second
	pg := postgres(t)
	pool := pg.pool
	ctx := context.Background()
	short := func(cfg *river.Config) {
		cfg.JobTimeout = rescueAfter / 2
		cfg.RescueStuckJobsAfter = rescueAfter
	}
	var attempts atomic.Int32
	firstStarted, release := make(chan struct{}), make(chan struct{})
	workers := func() *river.Workers {
		w := river.NewWorkers()
		river.AddWorker(w, riverjobs.NewTxWorker(mustVerifier(t), pgxtx.New(pool), riverjobs.TxHandlerFunc[pgx.Tx](func(ctx context.Context, tx pgx.Tx, e *core.Event) error {
			n := attempts.Add(1)
			if err := insertRow(ctx, pg, tx, e, fmt.Sprint("attempt ", n)); err != nil {
				return err
			}
			if n == 1 {
				close(firstStarted)
				<-release // a worker that hangs, ignoring its context
			}
			return nil
		}), riverjobs.WithLogger(quiet)))
		return w
	}

	// The leader runs River's rescuer (RescueStuckJobsAfter).
	leader := newClient(t, pg, workers(), "elsewhere", short)
	waitFor(t, "a leader elected", func() (bool, error) {
		return count(t, pg, `SELECT count(*) FROM river_leader WHERE leader_id = $1`, leader.ID()) == 1, nil
	})
	slowErrors := recordErrors{errs: make(chan error, 4)}
	newClient(t, pg, workers(), river.QueueDefault, func(cfg *river.Config) {
		cfg.JobTimeout = -1 // no timeout: the hanging attempt keeps its transaction
		cfg.RescueStuckJobsAfter = rescueAfter
		cfg.ErrorHandler = slowErrors
		// Never the leader: a leader without JobTimeout never rescues a job.
		cfg.LeaderElectionDisabled = true
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	q := riverjobs.NewEnqueuer(newClient(t, pg, nil, "", nil))
	if err := q.HandleEvent(ctx, mustUnwrap(t, signed(t, "wh_slow"))); err != nil {
		t.Fatal(err)
	}
	<-firstStarted
	waitFor(t, "the job to be rescued or stuck long enough", func() (bool, error) {
		var state string
		var stuckFor time.Duration
		err := pool.QueryRow(ctx, `SELECT state, now() - attempted_at FROM river_job`).Scan(&state, &stuckFor)
		return err == nil && (state != "running" || stuckFor > rescueAfter+500*time.Millisecond), err
	})
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := leader.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	newClient(t, pg, workers(), river.QueueDefault, short) // the new leader rescues the job
	waitFor(t, "the second attempt to complete the job", func() (bool, error) {
		return count(t, pg, `SELECT count(*) FROM river_job WHERE state = 'completed' AND attempt = 2`) == 1, nil
	})

	close(release) // the first attempt wakes up and tries to complete the job
	select {
	case err := <-slowErrors.errs:
		if !errors.Is(err, riverjobs.ErrJobLost) {
			t.Fatalf("first attempt returned %v, want ErrJobLost", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the first attempt returned no error within 30 s")
	}
	if n := count(t, pg, `SELECT count(*) FROM handled`); n != 1 {
		t.Fatalf("%d rows, want 1 (the second attempt's)", n)
	}
	if n := count(t, pg, `SELECT count(*) FROM handled WHERE worker = 'attempt 2'`); n != 1 {
		t.Fatal("the row is not the second attempt's")
	}
}
