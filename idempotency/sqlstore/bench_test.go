package sqlstore_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/idempotency/sqlstore"
	"github.com/webhookkit/openai-webhooks/idempotency/storetest"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testpg"
)

// One delivery as the pipeline handles it (Begin, Finish: two statements), on a SQLite
// file (each a committed write: on disk) and on a PostgreSQL on loopback.
func BenchmarkSQLiteBeginFinish(b *testing.B) {
	storetest.BenchBeginFinish(b, newSQLiteBenchStore(b), benchKey, time.Minute)
}

func BenchmarkSQLiteBeginFinishParallel(b *testing.B) {
	s := newSQLiteBenchStore(b)
	b.SetParallelism(8) // requests wait on the disk, not the CPU
	storetest.BenchBeginFinishParallel(b, s, benchKey, time.Minute)
}

// A retry of a delivery already done: one statement.
func BenchmarkSQLiteDuplicate(b *testing.B) {
	storetest.BenchDuplicate(b, newSQLiteBenchStore(b), "dup", time.Minute)
}

func BenchmarkPostgresBeginFinish(b *testing.B) {
	storetest.BenchBeginFinish(b, newPostgresBenchStore(b), benchKey, time.Minute)
}

func BenchmarkPostgresBeginFinishParallel(b *testing.B) {
	s := newPostgresBenchStore(b)
	b.SetParallelism(8)
	storetest.BenchBeginFinishParallel(b, s, benchKey, time.Minute)
}

func BenchmarkPostgresDuplicate(b *testing.B) {
	storetest.BenchDuplicate(b, newPostgresBenchStore(b), "dup", time.Minute)
}

func newSQLiteBenchStore(b *testing.B) *sqlstore.Store {
	db, _ := newSQLiteFile(b)
	s, err := sqlstore.NewSQLite(bg, db)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func newPostgresBenchStore(b *testing.B) *sqlstore.Store {
	db := openPostgres(b, testpg.New(b))
	db.SetMaxOpenConns(16)
	s, err := sqlstore.NewPostgres(bg, db)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchKey(i uint64) string { return strconv.FormatUint(i, 10) }
