// Package riverjobs processes OpenAI webhook deliveries in the background with River
// (github.com/riverqueue/river), a job queue that lives in PostgreSQL.
//
// OpenAI wants a 2xx within seconds; real handlers download batch output, call the API
// and write to databases. An [Enqueuer] is the core.Handler of any adapter's Handler: it
// stores the verified delivery as a River job and lets the adapter answer 200 at once.
// A River client with a worker from [NewWorker] or [NewTxWorker] processes it, with
// River's retries, dead letters (discarded jobs) and replay (JobRetry, River UI).
//
// One job per webhook-id: the job is unique by webhook-id (River unique jobs), so a
// delivery that arrives again, on this replica or another, while its job is available,
// scheduled, running, retryable, completed or discarded is acknowledged 200
// {"received":true,"duplicate":true}, logged and reported as core.OutcomeDuplicate, as
// the idempotency store's duplicates are, and not queued again. Nothing is acknowledged that is not stored: when PostgreSQL refuses the
// insert, HandleEvent returns an error and the adapter answers 500, so OpenAI retries.
//
// The job carries the raw body and the three headers ([EventArgs]); the worker verifies
// the signature again (not its age) before calling the handler. A job that fails that
// check, or whose arguments do not decode, is cancelled (river.JobCancel) and never
// reaches the handler: whoever can write to the queue still cannot forge an event.
//
// A [TxMux] dispatches jobs to transactional handlers by event type, as core.Mux does
// for core.Handlers: [OnTx] registers a handler that gets the job's pgx.Tx and the
// event's data decoded into the type it asks for, by the rule of core.On.
//
// Options are typed by where they apply: [EnqueuerOption] for NewEnqueuer (WithQueue,
// WithMaxAttempts, WithUniquePeriod: a job's queue, attempts and uniqueness are fixed
// when it is inserted) and [WorkerOption] for NewWorker and NewTxWorker (WithLogger), so
// that an option given where it would do nothing does not compile.
//
// [NewTxWorker] runs the handler in a transaction and completes the job in that same
// transaction (river.JobCompleteTx): the handler's writes commit if and only if the job
// is marked done, so its effect in PostgreSQL happens exactly once, even when a worker
// dies mid-job or a delivery arrives many times at once on several replicas. Effects
// outside that transaction (an API call, an e-mail) are at least once.
//
// River's tables come from its migrations: run them once with rivermigrate (as the
// example does on start) or with the river CLI (river migrate-up --database-url …).
package riverjobs
