package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/redis/go-redis/v9"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/redisstore"
	"github.com/webhookkit/openai-webhooks/idempotency/sqlstore"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testpg"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testredis"
)

// forEachStore runs a replica test once per shared store: Redis, PostgreSQL and a SQLite
// file. Its argument makes each replica's store, every call on a connection of its own
// to the one database, as separate processes would have.
func forEachStore(t *testing.T, test func(t *testing.T, newStore func() idempotency.Store)) {
	t.Run("Redis", func(t *testing.T) {
		client := testredis.Start(t)
		test(t, redisStores(t, client, fmt.Sprintf("e2e:%s:%d:", t.Name(), time.Now().UnixNano())))
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		connString := testpg.New(t)
		test(t, sqlStores(t, "pgx", connString, sqlstore.NewPostgres))
	})
	t.Run("SQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "idem.db")
		test(t, sqlStores(t, "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)", sqlstore.NewSQLite))
	})
}

// redisStores makes stores under prefix, each on its own client to client's Redis.
func redisStores(t *testing.T, client *redis.Client, prefix string) func() idempotency.Store {
	return func() idempotency.Store {
		c := redis.NewClient(client.Options())
		t.Cleanup(func() { c.Close() })
		return redisstore.New(c, redisstore.WithPrefix(prefix))
	}
}

// sqlStores makes stores on dataSource, each on its own *sql.DB.
func sqlStores(t *testing.T, driver, dataSource string, open func(context.Context, *sql.DB, ...sqlstore.Option) (*sqlstore.Store, error)) func() idempotency.Store {
	return func() idempotency.Store {
		db, err := sql.Open(driver, dataSource)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s, err := open(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}
