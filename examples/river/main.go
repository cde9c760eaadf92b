// Command river receives OpenAI webhooks into a PostgreSQL job queue (River) and works
// them in the same process: the endpoint answers 200 as soon as the delivery is stored,
// and a worker writes each event into the table webhook_events, in the same transaction
// that marks its job done. Each delivery's row is written exactly once, however often
// OpenAI delivers it, on however many replicas, and even if a worker dies mid-job.
//
//	DATABASE_URL=postgres://localhost:5432/app OPENAI_WEBHOOK_SECRET=whsec_… PORT=3000 go run ./examples/river
//
// On start it runs River's migrations and creates its own table. SIGINT or SIGTERM stop
// it gracefully: the server stops taking deliveries, jobs in progress finish.
//
// With RIVER_UI_USER and RIVER_UI_PASSWORD set, it serves River UI at /riverui/ behind
// HTTP basic auth with those credentials: queued, retrying and dead jobs, and a button
// to retry them. With neither set there is no UI.
package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"riverqueue.com/riverui"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/riverjobs/pgxtx"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		stop()
		os.Exit(1)
	}
}

// schema is the application's own table: one row per handled delivery. The primary key
// is a second line of defence; River's unique jobs already queue a webhook-id once.
const schema = `CREATE TABLE IF NOT EXISTS webhook_events (
	webhook_id  text PRIMARY KEY,
	event_id    text NOT NULL,
	type        text NOT NULL,
	data        jsonb NOT NULL,
	handled_at  timestamptz NOT NULL DEFAULT now()
)`

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	verifier, err := core.NewVerifier(getenv(core.EnvSecret))
	if err != nil {
		return fmt.Errorf("%s: %w (copy your endpoint's signing secret, whsec_…, from the OpenAI dashboard)", core.EnvSecret, err)
	}
	databaseURL := getenv("DATABASE_URL")
	if databaseURL == "" {
		return errors.New("DATABASE_URL is not set: give the PostgreSQL to use, such as postgres://user:password@localhost:5432/app")
	}
	pool, err := pgxpool.New(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	defer pool.Close()
	if err := pool.Ping(ctx); err != nil {
		return fmt.Errorf("PostgreSQL does not answer: %w", err)
	}

	// Our table; River's come from its migrations, which StartTx runs.
	if _, err := pool.Exec(ctx, schema); err != nil {
		return fmt.Errorf("create webhook_events: %w", err)
	}

	logger := slog.New(slog.NewTextHandler(stdout, nil))
	events := riverjobs.TxHandlerFunc[pgx.Tx](func(ctx context.Context, tx pgx.Tx, e *core.Event) error {
		// Commits together with the job's completion, or not at all.
		_, err := tx.Exec(ctx, `INSERT INTO webhook_events (webhook_id, event_id, type, data)
			VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (webhook_id) DO NOTHING`,
			e.WebhookID, e.ID, string(e.Type), string(e.Data))
		if err != nil {
			return err
		}
		logger.InfoContext(ctx, "handled", "type", e.Type, "event_id", e.ID, "webhook_id", e.WebhookID)
		return nil
	})
	// River's migrations, then the client with the webhook worker; completed jobs are
	// kept 72 h, as long as OpenAI may deliver again (a webhook-id is queued once).
	queue, err := riverjobs.StartTx(ctx, riverpgxv5.New(pool), pgxtx.New(pool), verifier, events, riverjobs.WithLogger(logger))
	if err != nil {
		return err
	}

	routes := http.NewServeMux()
	routes.Handle("POST /webhooks/openai", nethttp.Handler(verifier, queue, nethttp.WithLogger(logger)))
	routes.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		if err := pool.Ping(r.Context()); err != nil {
			logger.WarnContext(r.Context(), "health check: PostgreSQL does not answer", "error", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	uiCtx, stopUI := context.WithCancel(ctx)
	defer stopUI()
	if err := mountRiverUI(uiCtx, routes, queue.Client(), getenv, logger); err != nil {
		_ = queue.Stop(context.Background())
		return err
	}
	serveErr := serve(ctx, getenv, stdout, routes)

	// Stop taking jobs and let those in progress finish; cancel them after 10 s (their
	// transactions roll back and River works them again later).
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := queue.Stop(stopCtx); err != nil {
		logger.Warn("stopping the queue", "error", err)
	}
	return serveErr
}

// serve serves handler on HOST:PORT (PORT defaults to 3000) until ctx is done, then
// shuts down gracefully, letting deliveries in progress finish.
func serve(ctx context.Context, getenv func(string) string, stdout io.Writer, handler http.Handler) error {
	port := getenv("PORT")
	if port == "" {
		port = "3000"
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

// mountRiverUI serves River UI at /riverui/ behind HTTP basic auth, with the credentials
// in RIVER_UI_USER and RIVER_UI_PASSWORD. With neither set there is no UI (404). The
// same function is in examples/sqlite: copy it as it is.
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
