package riverjobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/core"
)

// ErrNotReplayable means Replay found no job of the webhook-id that can be replayed:
// none at all (never received, or removed after River's retention), or one that is
// completed, or queued or running already, or a cancelled one a newer job superseded.
var ErrNotReplayable = errors.New("riverjobs: no dead letter to replay")

// DeadLetter is a delivery whose job was discarded: its handler failed (or its
// signature did not verify) on every attempt. Replay runs it again.
type DeadLetter struct {
	JobID     int64
	WebhookID string
	// EventType is the type in the stored body, "" if the body does not say.
	EventType core.EventType
	// Attempts is how many times the job was worked.
	Attempts int
	// LastError is the error of the last attempt, as River recorded it.
	LastError string
	// FailedAt is when the job was discarded.
	FailedAt time.Time
	Queue    string
}

// replayable are the states Replay takes a job from: discarded (a dead letter),
// cancelled and retryable (waiting for its next attempt: Replay runs it now).
var replayable = []rivertype.JobState{rivertype.JobStateDiscarded, rivertype.JobStateCancelled, rivertype.JobStateRetryable}

// DeadLetters returns the dead letters of c's database, oldest first, at most limit of
// them (all when limit ≤ 0). River keeps a discarded job for DiscardedJobRetentionPeriod
// (7 days by default). It needs no workers: c can be an insert-only client.
func DeadLetters[TTx any](ctx context.Context, c *river.Client[TTx], limit int) ([]DeadLetter, error) {
	var out []DeadLetter
	params := river.NewJobListParams().Kinds(Kind).States(rivertype.JobStateDiscarded).OrderBy(river.JobListOrderByID, river.SortOrderAsc)
	for {
		page := listPage
		if limit > 0 {
			page = min(page, limit-len(out))
		}
		res, err := c.JobList(ctx, params.First(page))
		if err != nil {
			return out, fmt.Errorf("riverjobs: list the dead letters: %w", err)
		}
		for _, row := range res.Jobs {
			out = append(out, deadLetterOf(row))
		}
		if len(res.Jobs) < page || (limit > 0 && len(out) >= limit) {
			return out, nil
		}
		params = params.After(res.LastCursor)
	}
}

// listPage is how many jobs one JobList query returns.
const listPage = 500

func deadLetterOf(row *rivertype.JobRow) DeadLetter {
	d := DeadLetter{JobID: row.ID, Attempts: row.Attempt, Queue: row.Queue}
	var args EventArgs
	if err := json.Unmarshal(row.EncodedArgs, &args); err == nil && args.decodeErr == nil {
		d.WebhookID = args.WebhookID
		var body struct {
			Type core.EventType `json:"type"`
		}
		if json.Unmarshal(args.Body, &body) == nil {
			d.EventType = body.Type
		}
	}
	if n := len(row.Errors); n > 0 {
		d.LastError = row.Errors[n-1].Error
		d.FailedAt = row.Errors[n-1].At
	}
	if row.FinalizedAt != nil {
		d.FailedAt = *row.FinalizedAt
	}
	return d
}

// Replay makes the job of webhookID available to run again at once, as River's
// JobRetry does, and returns it: a dead letter (discarded), a cancelled job, or one
// waiting for its next attempt (retryable). A job whose attempts ran out gets one more.
// A cancelled job superseded by OpenAI's redelivery (a newer job of the webhook-id, done
// or queued) is not run again. It fails with ErrNotReplayable when there is no such job. It needs no workers: c can be an
// insert-only client; the queue's workers, wherever they run, pick the job up.
//
// The read and River's JobRetry are two statements, and JobRetry takes a job in any
// state but running: a retryable job whose next attempt starts and completes between
// them is run once more. Dead letters and cancelled jobs do not move on their own;
// replay a retryable job only when its attempts are far apart, or let it run.
func Replay[TTx any](ctx context.Context, c *river.Client[TTx], webhookID string) (*rivertype.JobRow, error) {
	byID := func() *river.JobListParams {
		return river.NewJobListParams().Kinds(Kind).
			Where("args ->> 'webhook_id' = @webhook_id", river.NamedArgs{"webhook_id": webhookID}).
			OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(1)
	}
	res, err := c.JobList(ctx, byID().States(replayable...))
	if err != nil {
		return nil, fmt.Errorf("riverjobs: find the job of %s: %w", webhookID, err)
	}
	if len(res.Jobs) == 0 {
		return nil, fmt.Errorf("%w: no discarded, cancelled or retryable job for webhook-id %q", ErrNotReplayable, webhookID)
	}
	job := res.Jobs[0]
	if job.State == rivertype.JobStateCancelled {
		// A cancelled job does not block its webhook-id (see uniqueStates): OpenAI's
		// redelivery may be a newer job, done or queued. Retrying the cancelled one would
		// run the delivery a second time, or fail on River's unique index. (Discarded and
		// retryable jobs block theirs: no newer job can hold the delivery.)
		newer, err := c.JobList(ctx, byID().States().Where("id > @after_id", river.NamedArgs{"after_id": job.ID}))
		if err != nil {
			return nil, fmt.Errorf("riverjobs: find the jobs of %s after job %d: %w", webhookID, job.ID, err)
		}
		if len(newer.Jobs) > 0 {
			n := newer.Jobs[0]
			return nil, fmt.Errorf("%w: job %d of webhook-id %q is cancelled, and a newer job of it (job %d) is %s", ErrNotReplayable, job.ID, webhookID, n.ID, n.State)
		}
	}
	row, err := c.JobRetry(ctx, job.ID)
	if err != nil {
		return nil, fmt.Errorf("riverjobs: replay job %d of %s: %w", job.ID, webhookID, err)
	}
	return row, nil
}

// ReplayAll replays every dead letter (discarded job) of c's database and returns how
// many it replayed. On an error it stops and returns the number replayed so far.
func ReplayAll[TTx any](ctx context.Context, c *river.Client[TTx]) (int, error) {
	// Listed first, then replayed: a replayed job that fails again at once is not
	// replayed twice.
	letters, err := DeadLetters(ctx, c, 0)
	if err != nil {
		return 0, err
	}
	for i, d := range letters {
		if _, err := c.JobRetry(ctx, d.JobID); err != nil {
			return i, fmt.Errorf("riverjobs: replay job %d of %s: %w", d.JobID, d.WebhookID, err)
		}
	}
	return len(letters), nil
}

// DeadLetters returns the queue's dead letters: see the function DeadLetters.
func (q *Queue[TTx]) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	return DeadLetters(ctx, q.client, limit)
}

// Replay replays the job of webhookID: see the function Replay.
func (q *Queue[TTx]) Replay(ctx context.Context, webhookID string) (*rivertype.JobRow, error) {
	return Replay(ctx, q.client, webhookID)
}

// ReplayAll replays every dead letter: see the function ReplayAll.
func (q *Queue[TTx]) ReplayAll(ctx context.Context) (int, error) {
	return ReplayAll(ctx, q.client)
}
