package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/redisstore"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/childproc"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testpg"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testredis"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// The test binary doubles as a replica process: with these variables set it serves a
// receiver whose handler announces each delivery and then never returns, so that the
// test can kill the process while it holds a claim.
const (
	envReplicaRedis  = "E2E_REPLICA_REDIS"
	envReplicaPrefix = "E2E_REPLICA_PREFIX"
	envReplicaLease  = "E2E_REPLICA_LEASE"
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(envReplicaRedis); addr != "" {
		if err := serveStuckReplica(addr, os.Getenv(envReplicaPrefix), os.Getenv(envReplicaLease)); err != nil {
			fmt.Fprintln(os.Stderr, "replica:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(testpg.Run(m))
}

func serveStuckReplica(redisAddr, prefix, lease string) error {
	leaseDuration, err := time.ParseDuration(lease)
	if err != nil {
		return err
	}
	v, err := core.NewVerifier(secret)
	if err != nil {
		return err
	}
	store := redisstore.New(redis.NewClient(&redis.Options{Addr: redisAddr}), redisstore.WithPrefix(prefix))
	stuck := core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		fmt.Printf("handling %s\n", e.WebhookID)
		select {} // the process is killed here, holding the claim
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("listening on %s\n", listener.Addr())
	server := &http.Server{Handler: nethttp.Handler(v, stuck, nethttp.WithIdempotency(store, idempotency.Lease(leaseDuration)), nethttp.WithLogger(quiet)), ReadHeaderTimeout: 5 * time.Second}
	return server.Serve(listener)
}

// A replica process killed with SIGKILL while it handles a delivery never finishes nor
// releases its claim: the other replica answers 409 until the lease ends, then processes
// OpenAI's retry.
func TestKilledHoldersClaimIsReclaimedAfterItsLease(t *testing.T) {
	const lease = 1500 * time.Millisecond
	client := testredis.Start(t)
	prefix := fmt.Sprintf("e2e:killed:%d:", time.Now().UnixNano())

	child := childproc.Start(t, envReplicaRedis+"="+client.Options().Addr, envReplicaPrefix+"="+prefix, envReplicaLease+"="+lease.String())
	next := func(prefix string) string { return child.Next(t, prefix, 10*time.Second) }
	childURL := "http://" + next("listening on ")

	var handled testkit.Counter
	r := startReplicas(t, redisStores(t, client, prefix), lease, func(_ context.Context, e *core.Event) error {
		handled.Add(e.WebhookID)
		return nil
	})
	r.urls[1] = childURL // deliver(…, 1, …) goes to the child process

	go func() { _, _, _ = r.send(1, "wh_killed") }() // no answer comes: the process dies
	if id := next("handling "); id != "wh_killed" {
		t.Fatalf("child handles %q, want wh_killed", id)
	}
	child.Kill(t)
	if status, _ := r.deliver(t, 0, "wh_killed"); status != http.StatusConflict {
		t.Fatalf("right after the kill: status %d, want 409 (the dead holder's lease runs)", status)
	}
	time.Sleep(lease + 200*time.Millisecond)
	if status, body := r.deliver(t, 0, "wh_killed"); status != 200 || body != `{"received":true}` {
		t.Fatalf("after the lease: %d %s, want 200 processed", status, body)
	}
	if status, body := r.deliver(t, 0, "wh_killed"); status != 200 || !strings.Contains(body, `"duplicate":true`) {
		t.Fatalf("retry after success: %d %s, want 200 duplicate", status, body)
	}
	if n := handled.Get("wh_killed"); n != 1 {
		t.Fatalf("surviving replica ran the handler %d times, want 1", n)
	}
}
