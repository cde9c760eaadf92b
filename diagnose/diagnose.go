package diagnose

import (
	"net/http"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/keyset"
)

// Delivery is what was received: the body byte for byte and the three headers as sent.
type Delivery struct {
	Body    []byte
	Headers core.Headers
	// Header is the request's whole header, when there is one: a missing webhook-…
	// header is then looked for under similar names (svix-…, x-webhook-…). Optional.
	Header http.Header
}

// Status is the result of one check.
type Status string

// The results of a check.
const (
	StatusOK   Status = "ok"
	StatusFail Status = "FAIL"
	StatusSkip Status = "skip" // not checked, because an earlier check failed
)

// The names of the checks, in the order they run.
const (
	CheckHeaders   = "headers"
	CheckSecret    = "secret"
	CheckTimestamp = "timestamp"
	CheckSignature = "signature"
	CheckEvent     = "event"
)

// Check is one step of the verification and what it found.
type Check struct {
	Name   string // CheckHeaders, CheckSecret, CheckTimestamp, CheckSignature or CheckEvent
	Status Status
	Detail string // one sentence for a person; it may quote the headers, never the body
}

// Cause is one reason a delivery fails: a short machine-usable kind, for logs, metrics
// and programs, and a sentence for a person that names the cause and the fix.
type Cause struct {
	Kind Kind
	Text string
}

// Report is the diagnosis of one delivery.
type Report struct {
	// Checks are the five checks in order; a check after a failure may be skipped.
	Checks []Check
	// Causes explain the failures, most telling first; none for a genuine delivery.
	Causes []Cause
	// Err is what core.Verifier.Unwrap answers at the diagnosis's clock and tolerance:
	// nil for a genuine delivery, else an error wrapping one of core's sentinels. With
	// Refused, it is the error given.
	Err error
	// Event is the parsed event of a genuine delivery.
	Event *core.Event
	// Missing names the headers that are absent or empty (core.HeaderID, …).
	Missing []string
	// Similar names the request headers that may be a missing one under another name;
	// only with Delivery.Header.
	Similar []string
	// SentAt is the webhook-timestamp, when core can read it; zero otherwise.
	SentAt time.Time
	// Tried is how many alternatives of the signed content were computed.
	Tried int
	// CutShort says the diagnosis stopped at its bound of work before trying every
	// alternative (a large body, many signature entries, a whpk_ key): a report without
	// a match then says so (KindSearchCutShort) rather than that nothing matches.
	CutShort bool
}

// OK reports whether the delivery is genuine: Verify accepts it and its body is an event.
func (r *Report) OK() bool { return r.Err == nil }

// Kind is the kind of the first cause: what a log or a metric should say about a
// refused delivery. KindNone for a genuine delivery.
func (r *Report) Kind() Kind {
	if len(r.Causes) == 0 {
		return KindNone
	}
	return r.Causes[0].Kind
}

// FirstFailure returns the first check that failed.
func (r *Report) FirstFailure() (Check, bool) {
	for _, c := range r.Checks {
		if c.Status == StatusFail {
			return c, true
		}
	}
	return Check{}, false
}

// Option is a setting of Secret and Verifier.
type Option func(*config)

type config struct {
	now       func() time.Time
	tolerance time.Duration
}

// At checks the timestamp against now instead of the clock: to diagnose a recorded
// delivery at the time it arrived.
func At(now time.Time) Option {
	return func(c *config) { c.now = func() time.Time { return now } }
}

// Tolerance sets how far the timestamp may be from the clock (Secret's default
// core.DefaultTolerance; Verifier's default the verifier's own).
func Tolerance(d time.Duration) Option {
	return func(c *config) { c.tolerance = d }
}

// Secret diagnoses d against secret, a whsec_ secret, its bare base64, or a whpk_ public
// key, read as core.NewVerifier reads it. A secret core refuses (quoted, too short, not
// base64) fails the secret check, and the signature is still searched with the mistakes
// that produce such a secret. The report quotes the secret's first few characters, as a
// command-line tool shows it; for a log, use Verifier, whose report never does.
func Secret(secret string, d Delivery, opts ...Option) *Report {
	cfg := config{now: time.Now, tolerance: core.DefaultTolerance}
	for _, o := range opts {
		o(&cfg)
	}
	_, secretErr := core.NewVerifier(secret)
	keys := keysOf(secret)
	in := input{
		d: d, cfg: cfg, keys: keys, secretErr: secretErr, show: true, secret: secret,
		variants: keyVariants(secret, keys, true),
		verdict: func() (*core.Event, error) {
			v, err := core.NewVerifier(secret, core.WithTolerance(cfg.tolerance), core.WithClock(cfg.now))
			if err != nil {
				return nil, err
			}
			return v.Unwrap(d.Body, d.Headers)
		},
	}
	return in.run()
}

// Verifier diagnoses d with v's keys, clock and tolerance (At and Tolerance override the
// last two): what a server can log about a delivery it refused. The report never holds
// a key, a signature or the body.
func Verifier(v *core.Verifier, d Delivery, opts ...Option) *Report {
	set, _ := keyset.Of(v)
	return fromKeys(set, d, nil, opts)
}

// Refused is Verifier for a delivery v has already refused with err, the error its
// Verify or Unwrap returned: the delivery is not verified again, and Report.Err is err.
// A server that explains its refusals calls it after answering, at the cost of the
// diagnosis alone; with a whpk_ key and many signature entries, verifying again would
// cost as much as the diagnosis. A nil err is not a refusal: Refused is then Verifier.
func Refused(v *core.Verifier, d Delivery, err error, opts ...Option) *Report {
	set, _ := keyset.Of(v)
	return fromKeys(set, d, err, opts)
}

// fromKeys diagnoses d with set; refused is the verifier's error, or nil to ask core.
func fromKeys(set keyset.Set, d Delivery, refused error, opts []Option) *Report {
	cfg := config{now: set.Now, tolerance: set.Tolerance}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.tolerance <= 0 {
		cfg.tolerance = core.DefaultTolerance
	}
	for _, o := range opts {
		o(&cfg)
	}
	var variants []variant[keyset.Key]
	for _, k := range set.Keys {
		variants = append(variants, keyVariants(secretText(k), []keyset.Key{k}, false)...)
	}
	// The keys as given come first, whatever their mistakes' order.
	given, mistaken := variants[:0:0], variants[:0:0]
	for _, v := range variants {
		if v.kind == KindNone {
			given = append(given, v)
		} else {
			mistaken = append(mistaken, v)
		}
	}
	in := input{
		d: d, cfg: cfg, keys: set.Keys,
		variants: dedupeKeys(append(given, mistaken...)),
		verdict: func() (*core.Event, error) {
			if refused != nil {
				return nil, refused
			}
			v, err := verifierFor(set.Keys, core.WithTolerance(cfg.tolerance), core.WithClock(cfg.now))
			if err != nil {
				return nil, err
			}
			return v.Unwrap(d.Body, d.Headers)
		},
	}
	return in.run()
}

// verifierFor builds a verifier for keys, through core.NewVerifier: the keys written
// back as the secrets that hold them.
func verifierFor(keys []keyset.Key, opts ...core.Option) (*core.Verifier, error) {
	if len(keys) == 0 {
		return nil, errNoKeys
	}
	for _, k := range keys[1:] {
		opts = append(opts, core.WithSecret(secretText(k)))
	}
	return core.NewVerifier(secretText(keys[0]), opts...)
}
