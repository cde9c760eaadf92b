// Command sqlite receives OpenAI webhooks into a job queue on a local SQLite file and
// works them in the same process: no server to run, nothing lost on a restart. The
// endpoint answers 200 only once the delivery's job is on disk; a worker then records
// each event in the table processed_events, in the same transaction that marks its job
// done, so each delivery is recorded exactly once, however often OpenAI delivers it and
// even if the process is killed mid-job.
//
//	OPENAI_WEBHOOK_SECRET=whsec_… go run ./examples/sqlite
//
// Settings, from the environment:
//
//	PORT                 port to listen on (default 8080; HOST optional)
//	DATABASE_PATH        the SQLite file (default webhooks.db), created when missing
//	MAX_ATTEMPTS         attempts of a job before it is a dead letter (default 25)
//	FAIL_EVENT_TYPE      make the handler fail for this event type, to see retries and
//	                     dead letters (with MAX_ATTEMPTS=2, a dead letter within a minute)
//	RIVER_UI_USER        with RIVER_UI_PASSWORD: serve River UI at /riverui/ behind HTTP
//	RIVER_UI_PASSWORD    basic auth, to see queued, retrying and dead jobs and retry them
//
// POST /webhooks/openai receives deliveries and GET /health answers ok. List and replay
// dead letters without the UI: openai-webhooks deadletters list --db sqlite:webhooks.db.
// SIGINT or SIGTERM stop it gracefully: the server stops taking deliveries, jobs in
// progress finish. The file holds River's tables as well as processed_events: keep it
// on a local disk, with a volume in a container.
//
// This file is a complete program: copy it into your module as a starting point.
package main

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/riverqueue/river"
	"riverqueue.com/riverui"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// schema is the application's own table, in the same file as the queue. The primary key
// makes a second recording of a delivery fail rather than pass unnoticed.
const schema = `CREATE TABLE IF NOT EXISTS processed_events (
	webhook_id   TEXT PRIMARY KEY,
	type         TEXT NOT NULL,
	processed_at TEXT NOT NULL
)`

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	verifier, err := core.NewVerifier(getenv(core.EnvSecret))
	if err != nil {
		return fmt.Errorf("%s: %w (copy your endpoint's signing secret, whsec_…, from the OpenAI dashboard)", core.EnvSecret, err)
	}
	path := getenv("DATABASE_PATH")
	if path == "" {
		path = "webhooks.db"
	}
	maxAttempts := riverjobs.DefaultMaxAttempts
	if s := getenv("MAX_ATTEMPTS"); s != "" {
		if maxAttempts, err = strconv.Atoi(s); err != nil || maxAttempts < 1 {
			return fmt.Errorf("MAX_ATTEMPTS=%q: want a whole number of at least 1", s)
		}
	}
	failType := core.EventType(getenv("FAIL_EVENT_TYPE"))
	logger := slog.New(slog.NewTextHandler(stdout, nil))

	if err := createSchema(ctx, path); err != nil {
		return err
	}
	record := riverjobs.TxHandlerFunc[*sql.Tx](func(ctx context.Context, tx *sql.Tx, e *core.Event) error {
		if e.Type == failType {
			return fmt.Errorf("FAIL_EVENT_TYPE=%s: failing on purpose", failType)
		}
		// Commits together with the job's completion, or not at all. Only tx: the file has
		// one connection, and the job's transaction holds it.
		_, err := tx.ExecContext(ctx, `INSERT INTO processed_events (webhook_id, type, processed_at)
			VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`, e.WebhookID, string(e.Type))
		if err != nil {
			return err
		}
		logger.InfoContext(ctx, "processed", "type", e.Type, "webhook_id", e.WebhookID)
		return nil
	})
	queue, err := sqlitejobs.OpenTx(ctx, path, verifier, record,
		riverjobs.WithMaxAttempts(maxAttempts),
		riverjobs.WithLogger(logger),
		riverjobs.WithRiverConfig(func(c *river.Config) {
			// A job still marked running after a crash is worked again once it has
			// "run" this long: keep it short, above the longest a handler may take.
			c.JobTimeout = 10 * time.Second
			c.RescueStuckJobsAfter = 15 * time.Second
		}))
	if err != nil {
		return err // names the file and the cause: missing directory, read-only, locked
	}

	routes := http.NewServeMux()
	routes.Handle("POST /webhooks/openai", nethttp.Handler(verifier, queue, nethttp.WithLogger(logger)))
	routes.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	uiCtx, stopUI := context.WithCancel(ctx)
	defer stopUI()
	if err := mountRiverUI(uiCtx, routes, queue.Client(), getenv, logger); err != nil {
		_ = queue.Stop(context.Background())
		return err
	}
	serveErr := serve(ctx, getenv, stdout, routes)

	// Let jobs in progress finish for 10 s; the others' transactions roll back, and they
	// run again after the next start.
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(serveErr, queue.Stop(stopCtx))
}

// createSchema creates processed_events in the file before the queue opens it.
func createSchema(ctx context.Context, path string) error {
	db, err := sqlitejobs.OpenDB(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("create processed_events in %s: %w", path, err)
	}
	return db.Close()
}

// mountRiverUI serves River UI at /riverui/ behind HTTP basic auth, with the credentials
// in RIVER_UI_USER and RIVER_UI_PASSWORD. With neither set there is no UI (404). The
// same function is in examples/river: copy it as it is.
func mountRiverUI[TTx any](ctx context.Context, routes *http.ServeMux, client *river.Client[TTx], getenv func(string) string, logger *slog.Logger) error {
	user, password := getenv("RIVER_UI_USER"), getenv("RIVER_UI_PASSWORD")
	if user == "" && password == "" {
		return nil
	}
	if user == "" || password == "" {
		return errors.New("set both RIVER_UI_USER and RIVER_UI_PASSWORD for River UI, or neither (no UI)")
	}
	ui, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Logger:    logger,
		Prefix:    "/riverui",
	})
	if err != nil {
		return fmt.Errorf("start River UI: %w", err)
	}
	if err := ui.Start(ctx); err != nil {
		return fmt.Errorf("start River UI: %w", err)
	}
	routes.Handle("/riverui/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		// Both compared, in constant time, so that the answer's timing tells nothing.
		userOK := subtle.ConstantTimeCompare([]byte(u), []byte(user))
		passwordOK := subtle.ConstantTimeCompare([]byte(p), []byte(password))
		if !ok || userOK&passwordOK != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="River UI", charset="UTF-8"`)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		ui.ServeHTTP(w, r)
	}))
	return nil
}

// serve serves handler on HOST:PORT (PORT defaults to 8080) until ctx is done, then
// shuts down gracefully, letting deliveries in progress finish.
func serve(ctx context.Context, getenv func(string) string, stdout io.Writer, handler http.Handler) error {
	port := getenv("PORT")
	if port == "" {
		port = "8080"
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(getenv("HOST"), port))
	if err != nil {
		return fmt.Errorf("listen on port %s: %w (set PORT to a free port)", port, err)
	}
	fmt.Fprintf(stdout, "listening on %s\n", listener.Addr())
	server := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second, // OpenAI waits about 20 s for an answer
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- server.Serve(listener) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
