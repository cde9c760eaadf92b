// Package redisstore is an idempotency.Store on Redis, for several replicas of a
// webhook receiver that must run each delivery once between them.
//
// A key holds "inflight:<token>" while a delivery is claimed, with the lease as its
// expiry, and "done" once it is finished, with the keep as its expiry. Every operation
// is a single command or Lua script on one key, so it is atomic and works the same on a
// single node, behind Sentinel (redis.NewFailoverClient) and on Cluster.
//
// A claim is owned by a random token, which Begin returns. Extend, Finish and Abandon
// act only when the key still holds the caller's token, so a holder whose lease expired
// cannot extend, finish or release the claim of the next holder: they return an error
// wrapping idempotency.ErrNotHeld instead.
//
// Redis replicates asynchronously: after a Sentinel or Cluster failover, a claim or a
// done mark the old primary had not yet passed on is lost, and that delivery may run
// again. Delivery stays at least once; the store makes duplicates rare, not impossible.
//
// Errors from Redis are returned wrapped; an adapter with WithIdempotency answers 503 on
// them, and OpenAI retries later. Cancelling ctx aborts the Redis call, so callers that
// must release a claim after their request was cancelled should pass
// context.WithoutCancel(ctx) to Finish and Abandon, as the adapters do.
package redisstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/webhookkit/openai-webhooks/idempotency"
)

// DefaultPrefix is put in front of every key unless WithPrefix says otherwise.
const DefaultPrefix = "openai-webhooks:idem:"

const (
	inflightPrefix = "inflight:"
	doneValue      = "done"
)

// Option is a setting of New: WithPrefix. The zero Option changes nothing.
type Option struct {
	apply func(*Store)
}

// WithPrefix sets the text put in front of every webhook-id to form the Redis key
// (default DefaultPrefix). Give each application its own prefix when several share one
// Redis, so that their deliveries do not collide. On Cluster, a prefix with a hash tag
// such as "{idem}:" would put every key in one slot: do not use one.
func WithPrefix(p string) Option {
	return Option{func(s *Store) { s.prefix = p }}
}

// Store is an idempotency.Store on Redis. It is safe for concurrent use; make it with New.
type Store struct {
	client redis.UniversalClient
	prefix string
}

var _ idempotency.Store = (*Store)(nil)

// New returns a Store that keeps its keys in the Redis behind client: a *redis.Client, a
// Sentinel failover client or a *redis.ClusterClient. The Store does not close client.
// New panics when client is nil.
func New(client redis.UniversalClient, opts ...Option) *Store {
	if client == nil {
		panic("redisstore: New needs a Redis client, got nil: pass redis.NewClient(&redis.Options{Addr: ...}) or another redis.UniversalClient")
	}
	s := &Store{client: client, prefix: DefaultPrefix}
	for _, opt := range opts {
		if opt.apply != nil {
			opt.apply(s)
		}
	}
	return s
}

// Results of the scripts, shared by Go and Lua.
const (
	resClaimed  = 1
	resInFlight = 2
	resDone     = 3

	resOK         = 1
	resNoClaim    = 0
	resFinished   = -1
	resOtherOwner = -2
)

// beginScript: KEYS[1] key; ARGV[1] "inflight:<token>"; ARGV[2] lease in ms.
var beginScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
local v = redis.call('GET', KEYS[1])
if v == 'done' then
  return 3
end
if v and string.sub(v, 1, 9) == 'inflight:' then
  return 2
end
return 0
`)

// heldCheck is the common head of the extend, finish and abandon scripts: KEYS[1] key;
// ARGV[1] "inflight:<token>".
const heldCheck = `
local v = redis.call('GET', KEYS[1])
if not v then
  return 0
end
if v == 'done' then
  return -1
end
if v ~= ARGV[1] then
  return -2
end
`

// extendScript: heldCheck, then ARGV[2] lease in ms.
var extendScript = redis.NewScript(heldCheck + `
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`)

// finishScript: heldCheck, then ARGV[2] keep in ms.
var finishScript = redis.NewScript(heldCheck + `
redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
return 1
`)

var abandonScript = redis.NewScript(heldCheck + `
redis.call('DEL', KEYS[1])
return 1
`)

// Begin claims key for lease and reports idempotency.Claimed with the claim's token; or
// it reports InFlight when another unexpired claim holds key, or Done when key was
// finished within its keep. A zero or negative lease means idempotency.DefaultLease;
// Redis counts leases in whole milliseconds, rounded up.
func (s *Store) Begin(ctx context.Context, key string, lease time.Duration) (idempotency.State, idempotency.Token, error) {
	if key == "" {
		return 0, "", errors.New("redisstore: empty key: pass the delivery's webhook-id header as the key")
	}
	if lease <= 0 {
		lease = idempotency.DefaultLease
	}
	token := rand.Text()
	res, err := beginScript.Run(ctx, s.client, []string{s.prefix + key}, inflightPrefix+token, millis(lease)).Int64()
	if err != nil {
		return 0, "", s.redisError("claim", key, err)
	}
	switch res {
	case resClaimed:
		return idempotency.Claimed, idempotency.Token(token), nil
	case resInFlight:
		return idempotency.InFlight, "", nil
	case resDone:
		return idempotency.Done, "", nil
	default:
		return 0, "", fmt.Errorf("redisstore: Redis key %q holds a value redisstore did not write; choose a prefix no other data uses (WithPrefix)", s.prefix+key)
	}
}

// Extend renews the claim tok holds on key for lease from now (a zero or negative lease
// means idempotency.DefaultLease). It returns an error wrapping idempotency.ErrNotHeld
// when tok does not hold the current claim.
func (s *Store) Extend(ctx context.Context, key string, tok idempotency.Token, lease time.Duration) error {
	if lease <= 0 {
		lease = idempotency.DefaultLease
	}
	value, err := heldValue(key, tok)
	if err != nil {
		return err
	}
	res, err := extendScript.Run(ctx, s.client, []string{s.prefix + key}, value, millis(lease)).Int64()
	if err != nil {
		return s.redisError("extend", key, err)
	}
	return notHeld(res, key)
}

// Finish marks the claim on key done and keeps it for keep (a zero or negative keep
// means idempotency.DefaultKeep), so that Begin reports Done until then. It returns an
// error wrapping idempotency.ErrNotHeld when tok does not hold the current claim: its
// lease expired, another holder claimed key since, the key is already done, or tok is
// empty.
func (s *Store) Finish(ctx context.Context, key string, tok idempotency.Token, keep time.Duration) error {
	if keep <= 0 {
		keep = idempotency.DefaultKeep
	}
	value, err := heldValue(key, tok)
	if err != nil {
		return err
	}
	res, err := finishScript.Run(ctx, s.client, []string{s.prefix + key}, value, millis(keep)).Int64()
	if err != nil {
		return s.redisError("finish", key, err)
	}
	return notHeld(res, key)
}

// Abandon releases the claim on key so that a retry of the delivery can claim it at
// once. It returns an error wrapping idempotency.ErrNotHeld when tok does not hold the
// current claim, and it never forgets a finished delivery.
func (s *Store) Abandon(ctx context.Context, key string, tok idempotency.Token) error {
	value, err := heldValue(key, tok)
	if err != nil {
		return err
	}
	res, err := abandonScript.Run(ctx, s.client, []string{s.prefix + key}, value).Int64()
	if err != nil {
		return s.redisError("release", key, err)
	}
	return notHeld(res, key)
}

// heldValue is the value the key must hold for tok to own the claim: "inflight:<token>".
func heldValue(key string, tok idempotency.Token) (string, error) {
	if tok == "" {
		return "", fmt.Errorf("%w: the token for key %q is empty (Begin did not answer Claimed)", idempotency.ErrNotHeld, key)
	}
	return inflightPrefix + string(tok), nil
}

func notHeld(res int64, key string) error {
	switch res {
	case resOK:
		return nil
	case resNoClaim:
		return fmt.Errorf("%w: key %q has no claim (its lease expired, or it was released or never claimed); raise the lease above the handler's running time", idempotency.ErrNotHeld, key)
	case resFinished:
		return fmt.Errorf("%w: key %q is already finished", idempotency.ErrNotHeld, key)
	case resOtherOwner:
		return fmt.Errorf("%w: key %q is claimed by another holder (this token's lease expired)", idempotency.ErrNotHeld, key)
	default:
		return fmt.Errorf("redisstore: unexpected script result %d for key %q", res, key)
	}
}

// redisError wraps an error from Redis with what to check.
func (s *Store) redisError(op, key string, err error) error {
	var hint string
	var refused redis.Error
	switch {
	case errors.Is(err, context.Canceled):
		hint = "the caller's context was cancelled; to release a claim after the request ended, pass context.WithoutCancel(ctx)"
	case errors.As(err, &refused):
		hint = "Redis refused the command: check that no other data uses the key prefix (WithPrefix) and that scripting (EVAL, EVALSHA) is allowed"
	default:
		hint = "check that Redis is reachable and the client's address and credentials are right"
	}
	return fmt.Errorf("redisstore: cannot %s key %q on Redis: %w (%s)", op, s.prefix+key, err, hint)
}

// millis converts d to whole milliseconds for PX, rounding up so that a lease is never
// shorter than asked.
func millis(d time.Duration) int64 {
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	return ms
}
