// Package e2e holds end-to-end tests that cross packages: several replicas, each a real
// HTTP server on loopback, sharing one real store: Redis through idempotency/redisstore,
// PostgreSQL and a SQLite file through idempotency/sqlstore.
package e2e
