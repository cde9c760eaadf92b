// Package receive is the one receive pipeline behind every adapter: limit and read the
// body, verify, parse, guard with an idempotency store, and shape the error responses.
// Adapters only translate between their framework and this package.
package receive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/textcut"
)

// EventKey is the key under which the adapters of frameworks with a request store of
// their own (gin and echo: c.Set; fiber: c.Locals) keep the verified *core.Event; each
// exports it as its EventKey.
const EventKey = "github.com/webhookkit/openai-webhooks/event"

// DefaultMaxBodyBytes is the body limit when none is configured. OpenAI's events are a
// few hundred bytes; 1 MiB leaves room and stops a flood.
const DefaultMaxBodyBytes int64 = 1 << 20

// Config is what every adapter's options set.
type Config struct {
	MaxBodyBytes int64
	Store        idempotency.Store
	Lease        time.Duration
	Keep         time.Duration
	Logger       *slog.Logger
	Observer     core.Observer // nil: nothing is observed, at no cost
	Diagnosis    bool          // explain signature refusals in the log (diagnosis.go)
	// ReraiseAbort is set by the adapters that run under a net/http server (nethttp, gin,
	// echo): a panic with http.ErrAbortHandler is re-raised for the server to abort the
	// response, as it means to. Elsewhere (fiber, whose fasthttp does not recover panics,
	// and Lambda) it is recovered like any panic.
	ReraiseAbort bool
}

// Pipeline receives deliveries for one endpoint. It is safe for concurrent use.
type Pipeline struct {
	verifier  *core.Verifier
	cfg       Config
	buffers   sync.Pool
	diagnoser *diagnoser // nil without Config.Diagnosis
}

// New returns a pipeline for v. It panics when v is nil: that is a mistake in the
// program's set-up, found at start-up, not a runtime input.
func New(v *core.Verifier, cfg Config) *Pipeline {
	if v == nil {
		panic("openai-webhooks: the verifier is nil; pass the *core.Verifier returned by core.NewVerifier or core.NewVerifierFromEnv")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	// math.MaxInt64 means "no limit" to many; one byte less keeps limit+1 from overflowing.
	cfg.MaxBodyBytes = min(cfg.MaxBodyBytes, math.MaxInt64-1)
	if cfg.Lease <= 0 {
		cfg.Lease = idempotency.DefaultLease
	}
	if cfg.Keep <= 0 {
		cfg.Keep = idempotency.DefaultKeep
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p := &Pipeline{verifier: v, cfg: cfg}
	if cfg.Diagnosis {
		p.diagnoser = newDiagnoser(time.Now)
	}
	p.buffers.New = func() any { b := make([]byte, 0, 4096); return &b }
	return p
}

// MaxBodyBytes returns the body limit in force.
func (p *Pipeline) MaxBodyBytes() int64 { return p.cfg.MaxBodyBytes }

// Logger returns the logger in force.
func (p *Pipeline) Logger() *slog.Logger { return p.cfg.Logger }

// read reads a body of at most MaxBodyBytes from r and verifies and parses it. A
// contentLength over the limit is refused before reading (-1 means unknown). The returned
// event owns its bytes; r's bytes are kept only in e.Raw. Errors wrap core's sentinels.
func (p *Pipeline) read(ctx context.Context, o *observation, r io.Reader, contentLength int64, h core.Headers) (*core.Event, error) {
	if contentLength > p.cfg.MaxBodyBytes {
		return nil, p.reject(ctx, o, h, tooLarge(contentLength, p.cfg.MaxBodyBytes))
	}
	buf := p.buffers.Get().(*[]byte)
	defer p.release(buf)
	body, err := readLimited((*buf)[:0], r, p.cfg.MaxBodyBytes)
	*buf = body[:0]
	var maxBytes *http.MaxBytesError
	switch {
	case err == nil:
		return p.verify(ctx, o, body, h)
	case errors.Is(err, core.ErrBodyTooLarge):
		// r enforces a limit of its own (echo's BodyLimit) and says which.
		return nil, p.reject(ctx, o, h, err)
	case errors.As(err, &maxBytes) || errors.Is(err, errOverLimit):
		return nil, p.reject(ctx, o, h, tooLarge(-1, p.cfg.MaxBodyBytes))
	default:
		return nil, p.reject(ctx, o, h, fmt.Errorf("%w: reading the body failed after %d bytes: %v", core.ErrUnreadableBody, len(body), err))
	}
}

var errOverLimit = errors.New("over the limit")

// readLimited appends r's bytes to b, failing with errOverLimit past limit bytes. Unlike
// io.LimitReader with a bytes.Buffer, it allocates nothing when b has room.
func readLimited(b []byte, r io.Reader, limit int64) ([]byte, error) {
	if r == nil {
		return b, nil
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		window := b[len(b):cap(b)]
		if room := limit + 1 - int64(len(b)); int64(len(window)) > room {
			window = window[:room]
		}
		n, err := r.Read(window)
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return b, errOverLimit
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// verify verifies and parses body, which the caller keeps owning (fiber's BodyRaw): the
// event gets its own copy.
func (p *Pipeline) verify(ctx context.Context, o *observation, body []byte, h core.Headers) (*core.Event, error) {
	if int64(len(body)) > p.cfg.MaxBodyBytes {
		return nil, p.reject(ctx, o, h, tooLarge(int64(len(body)), p.cfg.MaxBodyBytes))
	}
	e, err := p.verifier.Unwrap(body, h)
	if err != nil {
		err = p.reject(ctx, o, h, err)
		p.diagnose(ctx, body, h, err)
		return nil, err
	}
	o.verified(e)
	return e, nil
}

func tooLarge(size, limit int64) error {
	if size >= 0 {
		return fmt.Errorf("%w: %d bytes, over the limit of %d; raise it with WithMaxBodyBytes if your events are this large", core.ErrBodyTooLarge, size, limit)
	}
	return fmt.Errorf("%w: over the limit of %d bytes; raise it with WithMaxBodyBytes if your events are this large", core.ErrBodyTooLarge, limit)
}

func (p *Pipeline) release(buf *[]byte) {
	// A buffer grown by a rare large body is dropped rather than pinned in the pool.
	if cap(*buf) <= 64<<10 {
		p.buffers.Put(buf)
	}
}

// reject classifies err, the refusal of a delivery that did not verify, logs it and
// ends its observation.
func (p *Pipeline) reject(ctx context.Context, o *observation, h core.Headers, err error) error {
	c := classify(err)
	p.logRefusal(ctx, h.ID, c)
	o.refused(c)
	return c
}

// truncate shortens text from a request for an error or a log line (one rule for the
// module: internal/textcut).
func truncate(s string, n int) string { return textcut.Truncate(s, n) }
