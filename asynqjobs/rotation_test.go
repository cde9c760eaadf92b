package asynqjobs_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/webhookkit/openai-webhooks/asynqjobs"
	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// A task signed with a secret the worker does not have (a rotation, or a misconfigured
// worker) is not dropped: it fails, is logged at Error with the cause, and is retried
// with backoff; once the worker has the secret, the next retry is handled.
func TestTaskOfAnOldSecretRetriesUntilTheWorkerHasIt(t *testing.T) {
	e := newEnv(t)
	url := e.nethttpReceiver(t, e.enqueuer())
	d := e.delivery("wh_rotation", core.BatchCompleted)
	if status, answer := post(t, url, d); status != http.StatusOK {
		t.Fatalf("delivery: %d %s, want 200", status, answer)
	}

	// The worker knows only the new secret.
	newSecret, _, _ := conformance.Keys(t)
	onlyNew, err := core.NewVerifier(newSecret)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.LockedBuffer{}
	rec := newRecorder(nil)
	misconfigured := e.worker(t, asynqjobs.NewTaskHandler(onlyNew, rec, asynqjobs.WithLogger(slog.New(slog.NewJSONHandler(logs, nil)))), 1)
	var info *asynq.TaskInfo
	waitFor(t, "the task to fail and wait for a retry", func() bool {
		_, info = e.taskState(t, "wh_rotation")
		return info != nil && info.Retried >= 1
	})
	misconfigured.Shutdown()
	if info.State == asynq.TaskStateArchived || !strings.Contains(info.LastErr, "no matching webhook signature") {
		t.Fatalf("the task is %v with last error %q; want it retrying, refused for its signature", info.State, info.LastErr)
	}
	if n := rec.total(); n != 0 {
		t.Fatalf("the handler ran %d times for a task that does not verify", n)
	}
	wantRetryLogged(t, logs.String(), "wh_rotation")

	// The worker is given both secrets, as a rotation asks: the retry is handled.
	both, err := core.NewVerifier(newSecret, core.WithSecret(e.secret))
	if err != nil {
		t.Fatal(err)
	}
	e.worker(t, asynqjobs.NewTaskHandler(both, rec, asynqjobs.WithLogger(quiet)), 1)
	waitFor(t, "the retried task to complete", func() bool {
		state, _ := e.taskState(t, "wh_rotation")
		return state == asynq.TaskStateCompleted
	})
	if n := rec.count("wh_rotation"); n != 1 {
		t.Fatalf("handled %d times, want once", n)
	}
}

// When the retries run out before the worker is fixed, the task is archived like any
// failed task, and replaying it once the worker has the secret handles it.
func TestTaskOfAnOldSecretIsArchivedThenReplayed(t *testing.T) {
	e := newEnv(t)
	url := e.nethttpReceiver(t, e.enqueuer(asynqjobs.WithMaxRetry(2)))
	d := e.delivery("wh_rotation_dead", core.BatchCompleted)
	if status, answer := post(t, url, d); status != http.StatusOK {
		t.Fatalf("delivery: %d %s, want 200", status, answer)
	}
	_, wrong, _ := conformance.Keys(t)
	rec := newRecorder(nil)
	misconfigured := e.worker(t, asynqjobs.NewTaskHandler(wrong, rec, asynqjobs.WithLogger(quiet)), 1)
	var info *asynq.TaskInfo
	waitFor(t, "the task to be archived", func() bool {
		var state asynq.TaskState
		state, info = e.taskState(t, "wh_rotation_dead")
		return state == asynq.TaskStateArchived
	})
	misconfigured.Shutdown()
	if info.Retried != 2 || !strings.Contains(info.LastErr, "no matching webhook signature") || rec.total() != 0 {
		t.Fatalf("archived after %d retries with %q, %d handler runs; want 2 retries refused for the signature, none", info.Retried, info.LastErr, rec.total())
	}

	e.worker(t, asynqjobs.NewTaskHandler(e.verifier, rec, asynqjobs.WithLogger(quiet)), 1)
	if err := e.inspect.RunTask(e.queue, "wh_rotation_dead"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replayed task to complete", func() bool {
		state, _ := e.taskState(t, "wh_rotation_dead")
		return state == asynq.TaskStateCompleted
	})
	if n := rec.count("wh_rotation_dead"); n != 1 {
		t.Fatalf("handled %d times, want once", n)
	}
}

// wantRetryLogged checks that the refusal of task id is logged at Error, with the
// reason, the diagnosis's kind and the retry, and without the secret's material (a signature).
func wantRetryLogged(t *testing.T, logs, id string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["task_id"] != id {
			continue
		}
		if rec["level"] != "ERROR" || rec["reason"] != string(core.ReasonNoMatchingSignature) || !strings.Contains(rec["msg"].(string), "retr") {
			t.Fatalf("the refusal is logged as %s; want Error, reason %s, saying it is retried", line, core.ReasonNoMatchingSignature)
		}
		if rec["kind"] != "no_match" {
			t.Fatalf("the first refusal is logged as %s; want the diagnosis's kind, no_match (another secret)", line)
		}
		if strings.Contains(line, "v1,") {
			t.Fatalf("the log holds a signature: %s", line)
		}
		return
	}
	t.Fatalf("task %s is not logged:\n%s", id, logs)
}
