package asynqjobs_test

import (
	"context"
	"log"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynq"

	"github.com/webhookkit/openai-webhooks/asynqjobs"
	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// The receiver: each verified delivery is stored as an asynq task and answered 200 at
// once; if Redis refuses it, the answer is 500 and OpenAI retries. Any adapter's Handler
// takes the Enqueuer (ginadapter.Handler, echoadapter.Handler, fiberadapter.Handler).
func ExampleNewEnqueuer() {
	verifier, err := core.NewVerifierFromEnv() // OPENAI_WEBHOOK_SECRET
	if err != nil {
		log.Fatal(err)
	}
	client := asynq.NewClient(asynq.RedisClientOpt{Addr: "localhost:6379"})
	defer client.Close()
	enqueuer := asynqjobs.NewEnqueuer(client,
		asynqjobs.WithQueue("webhooks"),
		asynqjobs.WithMaxRetry(10),
		asynqjobs.WithTaskOptions(asynq.Timeout(10*time.Minute)))

	http.Handle("POST /webhooks/openai", nethttp.Handler(verifier, enqueuer))
	// ... serve with an http.Server, as usual.
}

// The worker: tasks are verified again and dispatched by event type; a handler's error
// makes asynq retry the task with backoff, and archive it when the retries run out.
func ExampleNewTaskHandler() {
	verifier, err := core.NewVerifierFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	events := core.NewMux()
	core.On(events, core.BatchCompleted, func(ctx context.Context, e *core.Event, data core.BatchData) error {
		retried, _ := asynq.GetRetryCount(ctx)
		slog.InfoContext(ctx, "downloading batch output", "batch_id", data.ID, "retried", retried)
		return nil // an error here is retried by asynq
	})

	srv := asynq.NewServer(asynq.RedisClientOpt{Addr: "localhost:6379"}, asynq.Config{
		Queues:          map[string]int{"webhooks": 1},
		Concurrency:     10,
		ShutdownTimeout: 25 * time.Second, // a task still running then is handed back to the queue
	})
	mux := asynq.NewServeMux()
	mux.Handle(asynqjobs.TypePrefix, asynqjobs.NewTaskHandler(verifier, events))
	if err := srv.Run(mux); err != nil { // until SIGINT or SIGTERM
		log.Fatal(err)
	}
}
