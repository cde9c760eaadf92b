package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/ginadapter"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/redisstore"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// replicas runs two servers, one on net/http and one on gin, each with a store of its
// own (its own connection) on the same shared database, both dispatching to handle.
type replicas struct {
	urls   [2]string
	signer *core.Signer
}

func startReplicas(t *testing.T, newStore func() idempotency.Store, lease time.Duration, handle core.HandlerFunc) *replicas {
	t.Helper()
	v, err := core.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := core.NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}

	plain := httptest.NewServer(nethttp.Handler(v, handle,
		nethttp.WithIdempotency(newStore(), idempotency.Lease(lease)), nethttp.WithLogger(quiet)))
	t.Cleanup(plain.Close)

	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	engine.POST("/", ginadapter.Handler(v, handle,
		ginadapter.WithIdempotency(newStore(), idempotency.Lease(lease)), ginadapter.WithLogger(quiet)))
	ginServer := httptest.NewServer(engine)
	t.Cleanup(ginServer.Close)

	return &replicas{urls: [2]string{plain.URL, ginServer.URL}, signer: signer}
}

// deliver sends the delivery webhookID to replica i and returns the status and body.
func (r *replicas) deliver(t *testing.T, i int, webhookID string) (int, string) {
	status, body, err := r.send(i, webhookID)
	if err != nil {
		t.Error(err)
	}
	return status, body
}

func (r *replicas) send(i int, webhookID string) (int, string, error) {
	body := fmt.Sprintf(`{"id":"evt_%s","object":"event","created_at":%d,"type":"batch.completed","data":{"id":"batch_%s"}}`,
		webhookID, time.Now().Unix(), webhookID)
	req, err := http.NewRequest(http.MethodPost, r.urls[i%2], strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	r.signer.Headers(webhookID, time.Now(), []byte(body)).Set(req.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer), err
}

// 200 concurrent deliveries of 50 ids, each id four times, spread over both replicas:
// every id's handler runs exactly once; the losers of a race get 200 duplicate or 409.
func TestConcurrentDuplicatesAcrossReplicasRunOnce(t *testing.T) {
	forEachStore(t, testConcurrentDuplicatesRunOnce)
}

func testConcurrentDuplicatesRunOnce(t *testing.T, newStore func() idempotency.Store) {
	var handled testkit.Counter
	r := startReplicas(t, newStore, 30*time.Second, func(_ context.Context, e *core.Event) error {
		handled.Add(e.WebhookID)
		time.Sleep(5 * time.Millisecond) // widen the race window
		return nil
	})

	const ids, copies = 50, 4
	var statuses sync.Map
	var wg sync.WaitGroup
	for n := range ids * copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("wh_concurrent_%d", n%ids)
			status, body := r.deliver(t, n/ids, id)
			counts, _ := statuses.LoadOrStore(fmt.Sprintf("%d %s", status, body), new(atomic.Int64))
			counts.(*atomic.Int64).Add(1)
		}()
	}
	wg.Wait()

	statuses.Range(func(k, v any) bool {
		key := k.(string)
		if !strings.HasPrefix(key, "200 ") && !strings.HasPrefix(key, "409 ") {
			t.Errorf("%d answers %q: want only 200 or 409", v.(*atomic.Int64).Load(), key)
		}
		return true
	})
	// The 409s are retried by OpenAI; do the same, then every id must be a duplicate.
	for n := range ids {
		id := fmt.Sprintf("wh_concurrent_%d", n)
		if status, body := r.deliver(t, n, id); status != 200 || body != `{"received":true,"duplicate":true}` {
			t.Errorf("retry of %s: %d %s, want 200 duplicate", id, status, body)
		}
		if runs := handled.Get(id); runs != 1 {
			t.Errorf("%s: handler ran %d times, want exactly once", id, runs)
		}
	}
}

// A handler that fails the first time answers 500 and releases the claim, so the retry,
// here on the other replica, is processed.
func TestFailedDeliveryIsRetriedOnTheOtherReplica(t *testing.T) {
	forEachStore(t, testFailedDeliveryIsRetried)
}

func testFailedDeliveryIsRetried(t *testing.T, newStore func() idempotency.Store) {
	var attempts testkit.Counter
	r := startReplicas(t, newStore, 30*time.Second, func(_ context.Context, e *core.Event) error {
		if attempts.Add(e.WebhookID) == 1 {
			return errors.New("database briefly down")
		}
		return nil
	})

	if status, body := r.deliver(t, 0, "wh_flaky"); status != 500 || strings.Contains(body, "database briefly down") {
		t.Fatalf("first attempt: %d %s, want 500 without the handler's error text (it goes to the log)", status, body)
	}
	if status, body := r.deliver(t, 1, "wh_flaky"); status != 200 || body != `{"received":true}` {
		t.Fatalf("retry: %d %s, want 200 processed", status, body)
	}
	if status, body := r.deliver(t, 0, "wh_flaky"); status != 200 || body != `{"received":true,"duplicate":true}` {
		t.Fatalf("third delivery: %d %s, want 200 duplicate", status, body)
	}
	if n := attempts.Get("wh_flaky"); n != 2 {
		t.Fatalf("handler ran %d times, want 2 (one failure, one success)", n)
	}
}

// A slow but live holder keeps its claim past its lease, because the pipeline renews it
// while the handler runs: retries on the other replica are answered 409 for several
// leases and never run the handler a second time; once the holder succeeds, the retry is
// a duplicate. (A dead holder's claim expires: TestKilledHoldersClaimIsReclaimedAfterItsLease.)
func TestSlowHolderKeepsItsClaimPastTheLease(t *testing.T) {
	forEachStore(t, testSlowHolderKeepsItsClaim)
}

func testSlowHolderKeepsItsClaim(t *testing.T, newStore func() idempotency.Store) {
	const lease = 600 * time.Millisecond
	release := make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // never leave the handler hanging
	var runs testkit.Counter
	r := startReplicas(t, newStore, lease, func(ctx context.Context, e *core.Event) error {
		runs.Add(e.WebhookID)
		<-release // the handler is slow, but alive
		return nil
	})

	firstDone := make(chan int, 1)
	go func() {
		status, _ := r.deliver(t, 0, "wh_slow")
		firstDone <- status
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runs.Get("wh_slow") == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for i := 0; i < 3; i++ {
		if status, _ := r.deliver(t, 1, "wh_slow"); status != http.StatusConflict {
			t.Fatalf("%v after the claim (lease %v): status %d, want 409 while the holder runs", time.Duration(i)*lease, lease, status)
		}
		time.Sleep(lease)
	}

	releaseOnce.Do(func() { close(release) })
	if status := <-firstDone; status != 200 {
		t.Fatalf("the slow holder answered %d, want 200", status)
	}
	if status, body := r.deliver(t, 1, "wh_slow"); status != 200 || body != `{"received":true,"duplicate":true}` {
		t.Fatalf("after the slow holder finished: %d %s, want 200 duplicate", status, body)
	}
	if n := runs.Get("wh_slow"); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
}

// Forged deliveries never reach the store: a Redis that is down does not matter to them.
func TestForgedDeliveryNeverTouchesTheStore(t *testing.T) {
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { down.Close() })
	v, _ := core.NewVerifier(secret)
	called := false
	srv := httptest.NewServer(nethttp.Handler(v, core.HandlerFunc(func(context.Context, *core.Event) error { called = true; return nil }),
		nethttp.WithIdempotency(redisstore.New(down)), nethttp.WithLogger(quiet)))
	defer srv.Close()
	r := &replicas{urls: [2]string{srv.URL, srv.URL}}
	r.signer, _ = core.NewSigner("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD") // another secret
	if status, _ := r.deliver(t, 0, "wh_forged"); status != 400 {
		t.Fatalf("forged delivery: status %d, want 400 before any store call", status)
	}
	r.signer, _ = core.NewSigner(secret)
	if status, body := r.deliver(t, 0, "wh_genuine"); status != 503 || called || strings.Contains(body, "127.0.0.1") || strings.Contains(body, "edis") {
		t.Fatalf("genuine delivery with Redis down: %d %s (handler called: %v), want 503 without the handler and without the store's address", status, body, called)
	}
}
