package riverjobs

import "errors"

var (
	// ErrNoHeaders means an event to enqueue does not carry the headers it was received
	// with, so the worker could not verify it again.
	ErrNoHeaders = errors.New("riverjobs: event without its delivery headers")

	// ErrNotStored means River did not store the delivery (the database unreachable or
	// refusing the insert: PostgreSQL down, a SQLite file full or locked). HandleEvent
	// returns it wrapped with the cause, and the adapter answers 500 so that OpenAI
	// retries.
	ErrNotStored = errors.New("riverjobs: the delivery was not stored")

	// ErrInvalidJob means a job's arguments do not decode or do not verify under the
	// worker's secrets; the job never reaches the handler. It is the error recorded in
	// the job's errors, wrapping the cause (core.ErrNoMatchingSignature, say). A job that
	// does not verify is retried (the worker's secret may be fixed meanwhile) and is a
	// dead letter when its attempts run out; one that does not decode is cancelled.
	ErrInvalidJob = errors.New("riverjobs: job does not hold a verifiable delivery")

	// ErrJobLost means a TxWorker's job was no longer its own when it tried to complete
	// it (it ran past River's RescueStuckJobsAfter and another worker took it over): the
	// transaction is rolled back, so the handler's writes are not committed twice.
	ErrJobLost = errors.New("riverjobs: the job was taken over by another worker")
)
