// Command asynq receives OpenAI webhooks into a Redis queue and processes them in
// workers, with asynq (github.com/hibiken/asynq): the receiver answers OpenAI within
// milliseconds, and the workers take as long as the work takes, with retries.
//
// One program, two roles; run as many of each as you like against one Redis:
//
//	export REDIS_URL=redis://127.0.0.1:6379/0 OPENAI_WEBHOOK_SECRET=whsec_…
//	PORT=3000 go run ./examples/asynq -role receiver   # POST /webhooks/openai, GET /health
//	go run ./examples/asynq -role worker               # handles the queued deliveries
//
// The worker's batch.completed handler sleeps DOWNLOAD_TIME (default 3s) to stand for
// downloading the batch's output file. Both roles shut down gracefully on SIGINT or
// SIGTERM: the receiver finishes the requests in progress; the worker finishes its tasks
// within 25 s, and hands back to the queue any still running then.
//
// See failed tasks and replay them with the asynq CLI (asynq task ls
// --queue=openai-webhooks --state=archived; asynq task run-all --queue=openai-webhooks
// --state=archived) or asynqmon.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hibiken/asynq"

	"github.com/webhookkit/openai-webhooks/asynqjobs"
	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// queue is the asynq queue the receivers fill and the workers empty.
const queue = "openai-webhooks"

func main() {
	role := flag.String("role", "receiver", "receiver (the HTTP endpoint, which queues deliveries) or worker (which handles them)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *role, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		stop()
		os.Exit(1)
	}
}

// run plays role until ctx is done, then shuts down gracefully.
func run(ctx context.Context, role string, getenv func(string) string, stdout io.Writer) error {
	verifier, err := core.NewVerifier(getenv(core.EnvSecret)) // the endpoint's whsec_… signing secret
	if err != nil {
		return fmt.Errorf("%s: %w", core.EnvSecret, err)
	}
	redisURL := getenv("REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	redisOpt, err := asynq.ParseRedisURI(redisURL)
	if err != nil {
		return fmt.Errorf("REDIS_URL %q: %w (expected redis://host:port/db)", redisURL, err)
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil)).With("role", role)
	switch role {
	case "receiver":
		return receive(ctx, verifier, redisOpt, getenv, logger, stdout)
	case "worker":
		return work(ctx, verifier, redisOpt, getenv, logger)
	default:
		return fmt.Errorf("-role %q: use -role receiver or -role worker", role)
	}
}

// receive serves POST /webhooks/openai: each verified delivery is stored as a task and
// answered 200 at once; if Redis refuses it, the answer is 500 and OpenAI retries.
func receive(ctx context.Context, verifier *core.Verifier, redisOpt asynq.RedisConnOpt, getenv func(string) string, logger *slog.Logger, stdout io.Writer) error {
	client := asynq.NewClient(redisOpt)
	defer client.Close()
	if err := client.Ping(); err != nil {
		return fmt.Errorf("redis does not answer: %w (check REDIS_URL)", err)
	}
	enqueuer := asynqjobs.NewEnqueuer(client, asynqjobs.WithQueue(queue))

	routes := http.NewServeMux()
	routes.Handle("POST /webhooks/openai", nethttp.Handler(verifier, enqueuer, nethttp.WithLogger(logger)))
	routes.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		if err := client.Ping(); err != nil {
			logger.ErrorContext(r.Context(), "health: redis does not answer", "error", err)
			http.Error(w, "redis unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	server := &http.Server{
		Handler:           routes,
		ReadHeaderTimeout: 5 * time.Second, // a slow client cannot hold a connection open
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second, // OpenAI waits about 20 s for an answer
		IdleTimeout:       2 * time.Minute,
	}
	port := getenv("PORT")
	if port == "" {
		port = "3000"
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(getenv("HOST"), port))
	if err != nil {
		return fmt.Errorf("listen on port %s: %w (set PORT to a free port)", port, err)
	}
	fmt.Fprintf(stdout, "listening on %s\n", listener.Addr())
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

// work handles the queued deliveries until ctx is done.
func work(ctx context.Context, verifier *core.Verifier, redisOpt asynq.RedisConnOpt, getenv func(string) string, logger *slog.Logger) error {
	download := 3 * time.Second
	if s := getenv("DOWNLOAD_TIME"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("DOWNLOAD_TIME %q: %w (expected a duration such as 3s)", s, err)
		}
		download = d
	}

	events := core.NewMux()
	events.OnFunc(core.BatchCompleted, func(ctx context.Context, e *core.Event) error {
		data, err := core.DecodeData[core.BatchData](e)
		if err != nil {
			return err // retried by asynq, then archived: see it with the asynq CLI
		}
		logger.InfoContext(ctx, "downloading batch output", "batch_id", data.ID, "webhook_id", e.WebhookID)
		select {
		case <-time.After(download): // stands for the download
		case <-ctx.Done():
			return ctx.Err() // the task's timeout; asynq retries it
		}
		logger.InfoContext(ctx, "handled", "type", e.Type, "event_id", e.ID, "webhook_id", e.WebhookID)
		return nil
	})
	events.Fallback(core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		logger.InfoContext(ctx, "handled", "type", e.Type, "event_id", e.ID, "webhook_id", e.WebhookID)
		return nil
	}))

	server := asynq.NewServer(redisOpt, asynq.Config{
		Queues:          map[string]int{queue: 1},
		Concurrency:     10,
		ShutdownTimeout: 25 * time.Second, // within Kubernetes' default 30 s grace period
		Logger:          slogLogger{logger},
		LogLevel:        asynq.WarnLevel,
	})
	if err := server.Ping(); err != nil {
		return fmt.Errorf("redis does not answer: %w (check REDIS_URL)", err)
	}
	mux := asynq.NewServeMux()
	mux.Handle(asynqjobs.TypePrefix, asynqjobs.NewTaskHandler(verifier, events, asynqjobs.WithLogger(logger)))
	if err := server.Start(mux); err != nil {
		return err
	}
	logger.Info("worker started", "queue", queue)
	<-ctx.Done()
	server.Shutdown() // waits for the tasks in progress, up to ShutdownTimeout
	logger.Info("worker stopped")
	return nil
}

// slogLogger writes asynq's own messages to a slog.Logger.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Debug(args ...any) { s.l.Debug(fmt.Sprint(args...)) }
func (s slogLogger) Info(args ...any)  { s.l.Info(fmt.Sprint(args...)) }
func (s slogLogger) Warn(args ...any)  { s.l.Warn(fmt.Sprint(args...)) }
func (s slogLogger) Error(args ...any) { s.l.Error(fmt.Sprint(args...)) }
func (s slogLogger) Fatal(args ...any) { s.l.Error(fmt.Sprint(args...)); os.Exit(1) }
