package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/childproc"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

// envChild makes the test binary run the program instead of the tests, as a child
// process that a test kills with SIGKILL. The program's log goes to the file named by
// envChildLog; only its "listening on" line reaches standard output, where childproc
// reads it.
const (
	envChild    = "EXAMPLE_SQLITE_CHILD"
	envChildLog = "EXAMPLE_SQLITE_CHILD_LOG"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

func runChild() int {
	log, err := os.OpenFile(os.Getenv(envChildLog), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	defer log.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, &listeningToStdout{log: log}); err != nil {
		fmt.Fprintln(log, "error:", err)
		return 1
	}
	return 0
}

// listeningToStdout writes everything to log, and the "listening on" line to stdout too.
type listeningToStdout struct{ log io.Writer }

func (w *listeningToStdout) Write(p []byte) (int, error) {
	if strings.HasPrefix(string(p), "listening on ") {
		os.Stdout.Write(p)
	}
	return w.log.Write(p)
}

func TestServes(t *testing.T) {
	t.Chdir(t.TempDir())             // the default DATABASE_PATH, webhooks.db, is created here
	conformance.CheckExample(t, run) // the events are processed in the background: see the other tests
	if _, err := os.Stat("webhooks.db"); err != nil {
		t.Fatalf("the default database file: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	t.Chdir(t.TempDir())
	conformance.CheckExampleRefusals(t, run)
}

func TestStartFailsClearly(t *testing.T) {
	secret := webhooktest.NewSender().Secret()
	dir := t.TempDir()
	for name, c := range map[string]struct {
		env  map[string]string
		want []string
	}{
		"no directory":         {map[string]string{"DATABASE_PATH": filepath.Join(dir, "missing", "x.db")}, []string{filepath.Join(dir, "missing", "x.db")}},
		"bad MAX_ATTEMPTS":     {map[string]string{"MAX_ATTEMPTS": "0"}, []string{"MAX_ATTEMPTS"}},
		"River UI half set up": {map[string]string{"RIVER_UI_USER": "admin"}, []string{"RIVER_UI_PASSWORD"}},
	} {
		env := map[string]string{core.EnvSecret: secret, "PORT": "0", "HOST": "127.0.0.1", "DATABASE_PATH": filepath.Join(dir, name+".db")}
		for k, v := range c.env {
			env[k] = v
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := run(ctx, func(k string) string { return env[k] }, io.Discard)
		cancel()
		for _, want := range c.want {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: run returned %v; want an error naming %s", name, err, want)
			}
		}
	}
}

// example is the program started in this process on a fresh file.
type example struct {
	url    string
	path   string
	sender *webhooktest.Sender
	output func() string
}

func startExample(t *testing.T, env map[string]string) *example {
	t.Helper()
	e := &example{path: filepath.Join(t.TempDir(), "webhooks.db"), sender: webhooktest.NewSender()}
	all := map[string]string{core.EnvSecret: e.sender.Secret(), "PORT": "0", "HOST": "127.0.0.1", "DATABASE_PATH": e.path}
	for k, v := range env {
		all[k] = v
	}
	e.url, e.output = conformance.StartExample(t, run, all)
	return e
}

// deliver sends a delivery of type typ with webhook-id id, signed now.
func (e *example) deliver(t *testing.T, id string, typ core.EventType) (int, string) {
	t.Helper()
	d := e.sender.Delivery(typ, map[string]string{"id": "obj_" + id}, webhooktest.WithWebhookID(id))
	return conformance.Do(t, d.NewClientRequest(e.url+"/webhooks/openai"))
}

// query opens the example's file the way the program does and runs fn on it.
func query(t *testing.T, path string, fn func(db *sql.DB) error) {
	t.Helper()
	db, err := sqlitejobs.OpenDB(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := fn(db); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond every 50 ms until it holds or timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v; last: %s", what, timeout, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// jobStates counts the River jobs of the file by state.
func jobStates(t *testing.T, path string) map[string]int {
	states := map[string]int{}
	query(t, path, func(db *sql.DB) error {
		rows, err := db.Query(`SELECT state, count(*) FROM river_job GROUP BY state`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			var n int
			if err := rows.Scan(&s, &n); err != nil {
				return err
			}
			states[s] = n
		}
		return rows.Err()
	})
	return states
}

// A handler that keeps failing (FAIL_EVENT_TYPE) makes a dead letter once MAX_ATTEMPTS
// run out, within a minute with MAX_ATTEMPTS=2; other types are recorded as usual, and
// a redelivery of the dead letter is a duplicate, not a new job.
func TestFailingTypeBecomesADeadLetter(t *testing.T) {
	e := startExample(t, map[string]string{"FAIL_EVENT_TYPE": "batch.failed", "MAX_ATTEMPTS": "2"})
	if status, body := e.deliver(t, "wh_fails", core.BatchFailed); status != 200 {
		t.Fatalf("failing delivery: %d %s, want 200 (it is queued)", status, body)
	}
	if status, body := e.deliver(t, "wh_ok", core.BatchCompleted); status != 200 {
		t.Fatalf("delivery: %d %s", status, body)
	}
	waitFor(t, "the failing job discarded", time.Minute, func() (bool, string) {
		s := jobStates(t, e.path)
		return s["discarded"] == 1 && s["completed"] == 1, fmt.Sprint(s)
	})
	query(t, e.path, func(db *sql.DB) error {
		var attempt int
		var errs string
		if err := db.QueryRow(`SELECT attempt, errors FROM river_job WHERE state = 'discarded'`).Scan(&attempt, &errs); err != nil {
			return err
		}
		if attempt != 2 || !strings.Contains(errs, "FAIL_EVENT_TYPE=batch.failed") {
			t.Errorf("dead letter: attempt %d, errors %s; want 2 attempts failing on purpose", attempt, errs)
		}
		var ids []string
		rows, err := db.Query(`SELECT webhook_id FROM processed_events`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		if strings.Join(ids, ",") != "wh_ok" {
			t.Errorf("processed_events = %v, want only wh_ok", ids)
		}
		return rows.Err()
	})
	if status, body := e.deliver(t, "wh_fails", core.BatchFailed); status != 200 || !strings.Contains(body, `"duplicate":true`) {
		t.Fatalf("redelivery of the dead letter: %d %s, want 200 duplicate", status, body)
	}
}

// The program is killed with SIGKILL while deliveries arrive and jobs run (some events
// recorded, some jobs running in their transactions), and started again on the same
// file: every delivery answered 200 before or after is recorded exactly once, and none
// is recorded twice (a second recording would fail on the primary key and leave a
// failing job).
func TestSIGKILLLosesNothingAndRecordsOnce(t *testing.T) {
	const maxDeliveries, senders, killAfter = 4000, 16, 150
	dir := t.TempDir()
	path := filepath.Join(dir, "webhooks.db")
	logPath := filepath.Join(dir, "child.log")
	sender := webhooktest.NewSender()
	env := []string{envChild + "=1", envChildLog + "=" + logPath, core.EnvSecret + "=" + sender.Secret(),
		"DATABASE_PATH=" + path, "PORT=0", "HOST=127.0.0.1"}
	defer func() {
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("the program's log:\n%s", tail(string(log), 60))
		}
	}()
	start := func() (*childproc.Child, string) {
		child := childproc.Start(t, env...)
		return child, "http://" + child.Next(t, "listening on ", 30*time.Second) + "/webhooks/openai"
	}
	deliver := func(url, id string) (int, string, error) {
		d := sender.Delivery(core.BatchCompleted, map[string]string{"id": "batch_" + id}, webhooktest.WithWebhookID(id))
		resp, err := http.DefaultClient.Do(d.NewClientRequest(url))
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), err
	}
	id := func(i int) string { return fmt.Sprintf("wh_kill_%04d", i) }

	child, url := start()
	var (
		answered  sync.Map // ids answered 200 by the first process
		ok        atomic.Int64
		killOnce  sync.Once
		wg        sync.WaitGroup
		next      atomic.Int64
		midWork   atomic.Bool
		sent      = make(chan struct{})
		watchDone = make(chan struct{})
	)
	kill := func() { killOnce.Do(func() { child.Kill(t) }) }
	// The senders go on until the kill (or maxDeliveries): the program is killed while
	// deliveries arrive.
	for range senders {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= maxDeliveries {
					return
				}
				status, _, err := deliver(url, id(i))
				if err != nil {
					return // killed
				}
				if status == 200 {
					answered.Store(id(i), true)
					ok.Add(1)
				}
			}
		})
	}
	// The kill comes once killAfter deliveries were answered and the workers are busy:
	// events recorded already, and jobs running in their transactions.
	go func() {
		defer close(watchDone)
		db, err := sqlitejobs.OpenDB(context.Background(), path)
		if err != nil {
			t.Error(err)
			return
		}
		defer db.Close()
		for {
			select {
			case <-sent:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if ok.Load() < killAfter {
				continue
			}
			var recorded, running int
			err := db.QueryRow(`SELECT (SELECT count(*) FROM processed_events), (SELECT count(*) FROM river_job WHERE state = 'running')`).Scan(&recorded, &running)
			if err == nil && recorded > 0 && running > 0 {
				midWork.Store(true)
				kill()
				return
			}
		}
	}()
	wg.Wait()
	close(sent)
	<-watchDone
	kill()
	deliveries := int(min(next.Load(), maxDeliveries))
	answeredBefore := 0
	answered.Range(func(any, any) bool { answeredBefore++; return true })

	var recordedAtKill int
	query(t, path, func(db *sql.DB) error {
		return db.QueryRow(`SELECT count(*) FROM processed_events`).Scan(&recordedAtKill)
	})
	states := jobStates(t, path)
	t.Logf("killed after %d of %d deliveries answered 200; %d recorded then; jobs: %v", answeredBefore, deliveries, recordedAtKill, states)
	if recordedAtKill > answeredBefore {
		t.Fatalf("%d events recorded but only %d deliveries answered 200", recordedAtKill, answeredBefore)
	}
	if !midWork.Load() || answeredBefore >= deliveries {
		t.Fatalf("the program was not killed mid-work (while deliveries arrived, with events recorded and jobs running)")
	}

	_, url = start()
	// OpenAI retries what was not answered 200, and may deliver the others again too.
	for i := range deliveries {
		status, body, err := deliver(url, id(i))
		if err != nil || status != 200 {
			t.Fatalf("after the restart, %s: %d %s %v; want 200", id(i), status, body, err)
		}
		if _, was := answered.Load(id(i)); was && !strings.Contains(body, `"duplicate":true`) {
			t.Errorf("after the restart, %s was answered 200 before the kill but queued again: %s", id(i), body)
		}
	}
	// Jobs the kill left running are worked again once River rescues them
	// (RescueStuckJobsAfter, checked every 30 s).
	waitFor(t, "every job completed", 2*time.Minute, func() (bool, string) {
		s := jobStates(t, path)
		return s["completed"] == deliveries && len(s) == 1, fmt.Sprint(s)
	})
	query(t, path, func(db *sql.DB) error {
		var rows, distinct int
		if err := db.QueryRow(`SELECT count(*), count(DISTINCT webhook_id) FROM processed_events`).Scan(&rows, &distinct); err != nil {
			return err
		}
		if rows != deliveries || distinct != deliveries {
			t.Errorf("processed_events: %d rows, %d webhook-ids; want %d, each once", rows, distinct, deliveries)
		}
		var twice int
		if err := db.QueryRow(`SELECT count(*) FROM river_job WHERE errors LIKE '%UNIQUE%'`).Scan(&twice); err != nil {
			return err
		}
		if twice != 0 {
			t.Errorf("%d jobs tried to record their event a second time", twice)
		}
		return nil
	})
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// River UI: behind basic auth with the credentials of the environment, absent without.
func TestRiverUIBehindBasicAuth(t *testing.T) {
	e := startExample(t, map[string]string{"RIVER_UI_USER": "admin", "RIVER_UI_PASSWORD": "s3cret pass"})
	if status, body := e.deliver(t, "wh_ui", core.BatchCompleted); status != 200 {
		t.Fatalf("delivery: %d %s", status, body)
	}
	get := func(path, user, password string) (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
		if user != "" || password != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}
	for _, c := range []struct{ user, password string }{{"", ""}, {"admin", "wrong"}, {"other", "s3cret pass"}, {"admin", ""}} {
		status, body, h := get("/riverui/", c.user, c.password)
		if status != http.StatusUnauthorized || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic ") || strings.Contains(body, "s3cret") {
			t.Errorf("River UI as %q/%q: %d %q %s; want 401 with a Basic challenge", c.user, c.password, status, h.Get("WWW-Authenticate"), body)
		}
	}
	if status, body, _ := get("/riverui/", "admin", "s3cret pass"); status != 200 || !strings.Contains(body, "<html") {
		t.Fatalf("River UI with the credentials: %d %.200s", status, body)
	}
	waitFor(t, "the job listed by River UI's API", 30*time.Second, func() (bool, string) {
		status, body, _ := get("/riverui/api/jobs?state=completed", "admin", "s3cret pass")
		return status == 200 && strings.Contains(body, "wh_ui"), fmt.Sprintf("%d %.300s", status, body)
	})

	plain := startExample(t, nil)
	for _, path := range []string{"/riverui/", "/riverui/api/jobs?state=completed"} {
		resp, err := http.Get(plain.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s without RIVER_UI_USER: %d, want 404 (no UI)", path, resp.StatusCode)
		}
	}
}
