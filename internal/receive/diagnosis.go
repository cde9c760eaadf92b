package receive

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
)

// The bounds of the adapters' WithDiagnosis. A diagnosis costs up to about a thousand
// HMACs of the body (about 0.2 ms and 140 KB of garbage at OpenAI's sizes), so a flood of
// forgeries must not cost one each: at most DiagnosisBurst run at once, then one every
// DiagnosisEvery; the other refusals are only counted. A cause is logged once per
// DiagnosisLogInterval, with the count of refusals since it was last logged.
const (
	DiagnosisBurst       = 10
	DiagnosisEvery       = 6 * time.Second // 10 a minute
	DiagnosisLogInterval = time.Minute
	// MaxDiagnosedBody bounds the body a diagnosis re-hashes: larger refused bodies are
	// counted, not diagnosed.
	MaxDiagnosedBody = 64 << 10
)

// diagnoser runs the diagnosis of refused deliveries (Config.Diagnosis) within its
// bounds, and decides what to log. Safe for concurrent use.
type diagnoser struct {
	now func() time.Time

	mu          sync.Mutex
	tokens      float64
	refilled    time.Time
	logged      map[diagnose.Kind]time.Time // when each cause was last logged
	sameCause   map[diagnose.Kind]int       // diagnosed, not logged, since then
	undiagnosed int                         // refusals past the bounds since the last log
	runs        int                         // diagnoses run, for tests
}

func newDiagnoser(now func() time.Time) *diagnoser {
	return &diagnoser{
		now: now, tokens: DiagnosisBurst, refilled: now(),
		logged: map[diagnose.Kind]time.Time{}, sameCause: map[diagnose.Kind]int{},
	}
}

// take reports whether a diagnosis may run now; if not, the refusal is counted.
func (d *diagnoser) take() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if elapsed := now.Sub(d.refilled); elapsed > 0 {
		d.tokens = min(DiagnosisBurst, d.tokens+float64(elapsed)/float64(DiagnosisEvery))
		d.refilled = now
	}
	if d.tokens < 1 {
		d.undiagnosed++
		return false
	}
	d.tokens--
	d.runs++
	return true
}

// skip counts a refusal that is diagnosable but not diagnosed (its body is too large).
func (d *diagnoser) skip() {
	d.mu.Lock()
	d.undiagnosed++
	d.mu.Unlock()
}

// record reports whether a finding of kind is to be logged now, with the counts to log
// beside it, which it then resets.
func (d *diagnoser) record(kind diagnose.Kind) (log bool, sameCause, undiagnosed int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if last, ok := d.logged[kind]; ok && now.Sub(last) < DiagnosisLogInterval {
		d.sameCause[kind]++
		return false, 0, 0
	}
	d.logged[kind] = now
	sameCause, undiagnosed = d.sameCause[kind], d.undiagnosed
	d.sameCause[kind], d.undiagnosed = 0, 0
	return true, sameCause, undiagnosed
}

// diagnose explains a delivery refused with err for its signature or its clock, in the
// log, within the diagnoser's bounds. It never changes the answer, and logs neither the
// secret, a signature nor the body: the report of diagnose.Verifier holds none of them.
// body is only read, before the caller returns.
func (p *Pipeline) diagnose(ctx context.Context, body []byte, h core.Headers, err error) {
	d := p.diagnoser
	if d == nil {
		return
	}
	switch {
	case errors.Is(err, core.ErrNoMatchingSignature):
	case errors.Is(err, core.ErrTimestampTooOld), errors.Is(err, core.ErrTimestampTooNew):
		// Clock skew only when the signature is good: a stale forgery is not worth a
		// diagnosis, and this check costs one HMAC.
		if p.verifier.VerifyIgnoringTimestamp(body, h) != nil {
			return
		}
	default:
		return
	}
	if len(body) > MaxDiagnosedBody {
		d.skip()
		return
	}
	if !d.take() {
		return
	}
	h = h.Trim() // what the verifier read
	report := diagnose.Verifier(p.verifier, diagnose.Delivery{Body: body, Headers: h})
	if len(report.Causes) == 0 {
		return
	}
	log, sameCause, undiagnosed := d.record(report.Kind())
	if !log {
		return
	}
	p.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "openai-webhooks: refused delivery diagnosed",
		slog.String("webhook_id", truncate(h.ID, 64)),
		slog.String("cause", string(report.Kind())),
		slog.String("finding", report.Causes[0].Text),
		slog.Int("same_cause_since_last_log", sameCause),
		slog.Int("not_diagnosed_since_last_log", undiagnosed))
}
