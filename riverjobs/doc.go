// Package riverjobs processes OpenAI webhook deliveries in the background with River
// (github.com/riverqueue/river), a job queue that lives in the database: PostgreSQL
// (River's riverpgxv5 driver) or a SQLite file (riversqlite; see package sqlitejobs for
// the one-call embedded default). This package imports neither driver: its types are
// generic over the driver's transaction type TTx, pgx.Tx or *sql.Tx.
//
// OpenAI wants a 2xx within seconds; real handlers download batch output, call the API
// and write to databases. [Start] runs River's migrations and starts a client with the
// webhook worker, and returns a [Queue]: the core.Handler of any adapter's Handler, which
// stores the verified delivery as a River job and lets the adapter answer 200 at once;
// its workers verify the job again and call the handler, with River's retries, dead
// letters (discarded jobs: [Queue.DeadLetters]) and replay ([Queue.Replay], River UI).
// [StartTx] does the same with a transactional handler, such as a [TxMux]. Programs that
// build their River client themselves use the parts: [NewEnqueuer], [NewWorker],
// [NewTxWorker], and the functions [DeadLetters] and [Replay], which need no workers (a
// command-line tool lists and replays with an insert-only client, or with [Open]).
//
//	q, err := riverjobs.Start(ctx, riverpgxv5.New(pool), verifier, mux)
//	if err != nil { … }
//	defer q.Stop(context.Background())
//	http.Handle("POST /webhooks/openai", nethttp.Handler(verifier, q))
//
// One job per webhook-id: the job is unique by webhook-id (River unique jobs), so a
// delivery that arrives again, on this replica or another, while its job is available,
// scheduled, running, retryable, completed or discarded is acknowledged 200
// {"received":true,"duplicate":true}, logged and reported as core.OutcomeDuplicate, as
// the idempotency store's duplicates are, and not queued again. River keeps a completed
// job only for its CompletedJobRetentionPeriod (24 h by default), and uniqueness lasts
// as long as the job: Start sets it to the uniqueness period, 72 h, as long as OpenAI
// retries. Nothing is acknowledged that is not stored: when the database refuses the
// insert (down, disk full, a failed commit), HandleEvent returns an error and the adapter
// answers 500, so OpenAI retries.
//
// The job carries the raw body and the three headers ([EventArgs]); the worker verifies
// the signature again (not its age) before calling the handler: whoever can write to the
// queue still cannot forge an event. A job whose signature matches none of the worker's
// secrets never reaches the handler; the attempt fails, logged at Error with the cause
// and the diagnosis's kind (package diagnose), and River retries it with its backoff:
// during a secret rotation, or with a worker given the wrong secret, fixing the
// verifier's secrets (core.WithSecret for the old one) recovers every job. When its
// attempts run out it is a dead letter like any other, and can be replayed. A job that
// no secret can make pass (arguments that do not decode, written by something other
// than this package; a missing or malformed header; a genuine body that is no event) is
// cancelled at once, logged at Error, as asynqjobs archives such a task.
//
// A [TxMux] dispatches jobs to transactional handlers by event type, as core.Mux does
// for core.Handlers: [OnTx] registers a handler that gets the job's transaction and the
// event's data decoded into the type it asks for, by the rule of core.On.
//
// Options are typed by where they apply: [EnqueuerOption] for NewEnqueuer (WithQueue,
// WithMaxAttempts, WithUniquePeriod: a job's queue, attempts and uniqueness are fixed
// when it is inserted), [WorkerOption] for NewWorker and NewTxWorker (WithLogger), so
// that an option given where it would do nothing does not compile; Start takes both and
// its own [QueueOption]s ([Option]).
//
// [NewTxWorker] runs the handler in a transaction and completes the job in that same
// transaction (river.JobCompleteTx): the handler's writes commit if and only if the job
// is marked done, so its effect in the database happens exactly once, even when a worker
// dies mid-job or a delivery arrives many times at once on several replicas. Effects
// outside that transaction (an API call, an e-mail) are at least once. The transaction
// is opened through the application's own handle on the database ([TxBeginner]:
// [SQL] for a *sql.DB, riverjobs/pgxtx for pgx), not through River's driver, whose
// methods River marks unstable.
//
// River's tables come from its migrations: Start, StartTx and Open run them ([Migrate]);
// a program that builds its own client runs Migrate (River's rivermigrate) on start.
package riverjobs
