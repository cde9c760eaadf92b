// Package e2e holds end-to-end tests that cross packages: several replicas, each a real
// HTTP server on loopback, sharing one real Redis through idempotency/redisstore.
package e2e
