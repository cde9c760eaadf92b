package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/idempotency/redisstore"
	"github.com/webhookkit/openai-webhooks/idempotency/storetest"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testredis"
)

// testPrefix is unique per test, so tests can share a Redis (REDIS_URL) without
// seeing each other's keys; the test's keys are deleted when it ends.
func testPrefix(t testing.TB, client *redis.Client) string {
	name := strings.NewReplacer("/", ":", " ", "_", "*", "_", "?", "_", "[", "_", "]", "_", "\\", "_").Replace(t.Name())
	prefix := "openai-webhooks-test:" + name + ":" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
	return prefix
}

func TestConformance(t *testing.T) {
	client := testredis.Start(t)
	storetest.Run(t, func(t *testing.T) (idempotency.Store, func(time.Duration)) {
		// Redis expires keys on its own clock: let real time pass.
		return redisstore.New(client, redisstore.WithPrefix(testPrefix(t, client))), time.Sleep
	})
}

func TestKeysAndValues(t *testing.T) {
	client := testredis.Start(t)
	ctx := context.Background()
	prefix := testPrefix(t, client)
	s := redisstore.New(client, redisstore.WithPrefix(prefix))

	st, tok, err := s.Begin(ctx, "wh_1", 90*time.Second)
	if err != nil || st != idempotency.Claimed {
		t.Fatalf("Begin = %v, %v", st, err)
	}
	v, err := client.Get(ctx, prefix+"wh_1").Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := "inflight:" + string(tok); v != want {
		t.Fatalf("claimed value = %q, want %q", v, want)
	}
	if ttl := client.PTTL(ctx, prefix+"wh_1").Val(); ttl <= 80*time.Second || ttl > 90*time.Second {
		t.Fatalf("claim TTL = %v, want about the 90s lease", ttl)
	}
	if err := s.Extend(ctx, "wh_1", tok, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	if ttl := client.PTTL(ctx, prefix+"wh_1").Val(); ttl <= 9*time.Minute || ttl > 10*time.Minute {
		t.Fatalf("extended claim TTL = %v, want about the 10m lease", ttl)
	}
	if err := s.Finish(ctx, "wh_1", tok, 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	if v := client.Get(ctx, prefix+"wh_1").Val(); v != "done" {
		t.Fatalf("finished value = %q, want done", v)
	}
	if ttl := client.PTTL(ctx, prefix+"wh_1").Val(); ttl <= 47*time.Hour || ttl > 48*time.Hour {
		t.Fatalf("done TTL = %v, want about the 48h keep", ttl)
	}
}

func TestDefaultPrefix(t *testing.T) {
	client := testredis.Start(t)
	ctx := context.Background()
	key := "wh_default_" + testPrefix(t, client)
	t.Cleanup(func() { client.Del(context.Background(), redisstore.DefaultPrefix+key) })
	s := redisstore.New(client, redisstore.Option{}) // the zero Option changes nothing
	if _, _, err := s.Begin(ctx, key, time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := client.Exists(ctx, redisstore.DefaultPrefix+key).Val(); n != 1 {
		t.Fatalf("key %q not found under the default prefix", redisstore.DefaultPrefix+key)
	}
}

func TestForeignValue(t *testing.T) {
	client := testredis.Start(t)
	ctx := context.Background()
	prefix := testPrefix(t, client)
	s := redisstore.New(client, redisstore.WithPrefix(prefix))

	client.Set(ctx, prefix+"str", "something else", time.Minute)
	if st, _, err := s.Begin(ctx, "str", time.Minute); err == nil || !strings.Contains(err.Error(), "WithPrefix") {
		t.Fatalf("Begin on a foreign string = %v, %v; want an error pointing at WithPrefix", st, err)
	}
	client.HSet(ctx, prefix+"hash", "f", "v")
	if st, _, err := s.Begin(ctx, "hash", time.Minute); err == nil {
		t.Fatalf("Begin on a hash = %v, nil; want an error", st)
	}
	if err := s.Finish(ctx, "hash", "some-token", time.Minute); err == nil || errors.Is(err, idempotency.ErrNotHeld) {
		t.Fatalf("Finish on a hash = %v; want a Redis error, not ErrNotHeld", err)
	} else if !strings.Contains(err.Error(), "WithPrefix") {
		t.Fatalf("Finish on a hash: error %q does not point at WithPrefix", err)
	}
	// A foreign string is never taken for a claim.
	if err := s.Abandon(ctx, "str", "something else"); !errors.Is(err, idempotency.ErrNotHeld) {
		t.Fatalf("Abandon of a foreign string = %v; want ErrNotHeld", err)
	}
	if v := client.Get(ctx, prefix+"str").Val(); v != "something else" {
		t.Fatalf("foreign value changed to %q", v)
	}
}

func TestUnreachableRedis(t *testing.T) {
	// A port nobody listens on: connection refused.
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	defer client.Close()
	s := redisstore.New(client)
	ctx := context.Background()
	if st, tok, err := s.Begin(ctx, "wh_x", time.Minute); err == nil || errors.Is(err, idempotency.ErrNotHeld) {
		t.Fatalf("Begin = %v, %v; want a Redis error", st, err)
	} else if !strings.Contains(err.Error(), "reachable") {
		t.Fatalf("error %q does not say what to check", err)
	} else if tok != "" {
		t.Fatalf("failed Begin returned the token %q", tok)
	}
	if err := s.Finish(ctx, "wh_x", "tok", time.Minute); err == nil || errors.Is(err, idempotency.ErrNotHeld) {
		t.Fatalf("Finish = %v; want a Redis error", err)
	}
	if err := s.Extend(ctx, "wh_x", "tok", time.Minute); err == nil || errors.Is(err, idempotency.ErrNotHeld) {
		t.Fatalf("Extend = %v; want a Redis error", err)
	}
	if err := s.Abandon(ctx, "wh_x", "tok"); err == nil || errors.Is(err, idempotency.ErrNotHeld) {
		t.Fatalf("Abandon = %v; want a Redis error", err)
	}
}

func TestCanceledContext(t *testing.T) {
	client := testredis.Start(t)
	s := redisstore.New(client, redisstore.WithPrefix(testPrefix(t, client)))
	ctx := context.Background()
	st, tok, err := s.Begin(ctx, "wh_c", time.Minute)
	if err != nil || st != idempotency.Claimed {
		t.Fatalf("Begin = %v, %v", st, err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Abandon(canceled, "wh_c", tok); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "WithoutCancel") {
		t.Fatalf("Abandon with a canceled context = %v; want context.Canceled and the WithoutCancel hint", err)
	}
	// The documented remedy.
	if err := s.Abandon(context.WithoutCancel(canceled), "wh_c", tok); err != nil {
		t.Fatalf("Abandon with WithoutCancel = %v", err)
	}
}

func TestNewNilClientPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "redis.NewClient") {
			t.Fatalf("recovered %v; want a panic saying how to make a client", r)
		}
	}()
	redisstore.New(nil)
}
