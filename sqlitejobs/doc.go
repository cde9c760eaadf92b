// Package sqlitejobs is the embedded default for background processing: River
// (github.com/riverqueue/river) on a local SQLite file, with no server to run. A
// delivery is answered 200 only once its job is committed to the file; workers in the
// same process verify it again and run the handler, with River's retries, dead letters
// and replay. The same code runs on PostgreSQL with riverjobs.Start when one machine is
// no longer enough: sqlitejobs.Open returns a riverjobs.Queue.
//
//	q, err := sqlitejobs.Open(ctx, "webhooks.db", verifier, mux)
//	if err != nil {
//		log.Fatal(err) // names the file and the cause: missing directory, read-only, locked
//	}
//	defer q.Stop(context.Background())
//	http.Handle("POST /webhooks/openai", nethttp.Handler(verifier, q))
//
// The file is opened with modernc.org/sqlite (pure Go: no cgo) in WAL mode with
// synchronous=FULL (a commit is on disk before the answer), a busy timeout of
// BusyTimeout, and one connection, as River's SQLite driver needs. Open never falls back
// to memory: a file that cannot be created or opened, that is read-only, or that
// another process keeps locked is an error at start naming the path and the cause. A
// delivery whose insert fails (disk full, a failed commit) makes HandleEvent return an
// error: the adapter answers 500, reports the outcome failed, and OpenAI retries.
//
// OpenTx runs each job's handler in a *sql.Tx on the same file that also marks the job
// completed, so an application that keeps its own tables in that file gets each
// delivery's effect exactly once, even if the process is killed mid-job. With one
// connection, that transaction holds the database while the handler runs: a
// transactional handler must use only its tx, and must not do network I/O inside it
// (every insert, hence every delivery's answer, waits meanwhile). Anything that needs
// the queue's connection from inside the handler (the queue's Enqueue, DeadLetters or
// Client) waits for the tx, which waits for the handler: a deadlock until the job's
// JobTimeout (one minute by default) fails the attempt, with every delivery waiting
// meanwhile; to queue more work from there, use the queue's EnqueueTx with the tx. A
// write through another handle on the file fails after BusyTimeout. Do slow work in a
// plain handler (Open), which holds no connection.
//
// Several processes may open the same file (SQLite's locks serialise their writes),
// so that the openai-webhooks command can list and replay dead letters while the
// application runs; the file must be on a local disk, not a network share.
//
// River's SQLite driver (riversqlite) is marked experimental by River.
package sqlitejobs
