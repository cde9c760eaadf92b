package receive

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
)

// The bounds of the adapters' WithDiagnosis. One diagnosis is bounded work (package
// diagnose stops its search at a budget: at most about 5 ms, measured in
// docs/diagnosis.md), and it runs after the refusal, off the answer's path: the
// pipeline hands a copy of the delivery to a goroutine of its own and answers at once.
// A flood of forgeries must still not cost one each: at most DiagnosisConcurrency run at
// once, at most DiagnosisBurst in a burst and then one every DiagnosisEvery; the other
// refusals are only counted, and a line says so once per DiagnosisLogInterval. A cause
// is logged once per DiagnosisLogInterval, with the count of refusals since it was last
// logged.
const (
	DiagnosisBurst       = 10
	DiagnosisEvery       = 6 * time.Second // 10 a minute
	DiagnosisConcurrency = 2
	DiagnosisLogInterval = time.Minute
	// MaxDiagnosedBody bounds the body a diagnosis re-hashes: larger refused bodies are
	// counted, not diagnosed.
	MaxDiagnosedBody = 64 << 10
)

// Why a refusal was not diagnosed, as the log says it.
const (
	notDiagnosedRate = "rate_limited"   // the token bucket is empty
	notDiagnosedBusy = "busy"           // DiagnosisConcurrency diagnoses are running
	notDiagnosedSize = "body_too_large" // over MaxDiagnosedBody
)

// diagnoser runs the diagnosis of refused deliveries (Config.Diagnosis) within its
// bounds, and decides what to log. Safe for concurrent use.
type diagnoser struct {
	now     func() time.Time
	slots   chan struct{}  // one per diagnosis running
	running sync.WaitGroup // the diagnoses running, for tests
	started func()         // called as a diagnosis starts; tests hold it there

	mu          sync.Mutex
	tokens      float64
	refilled    time.Time
	logged      map[diagnose.Kind]time.Time // when each cause was last logged
	sameCause   map[diagnose.Kind]int       // diagnosed, not logged, since then
	undiagnosed int                         // refusals past the bounds since the last cause logged
	noticed     time.Time                   // when "not diagnosed" was last logged
	unnoticed   int                         // refusals past the bounds since then
	runs        int                         // diagnoses whose finding was used, for tests
}

func newDiagnoser(now func() time.Time) *diagnoser {
	return &diagnoser{
		now: now, tokens: DiagnosisBurst, refilled: now(), slots: make(chan struct{}, DiagnosisConcurrency),
		logged: map[diagnose.Kind]time.Time{}, sameCause: map[diagnose.Kind]int{},
	}
}

// take reports whether a diagnosis may start now, with a slot and a token; if not, the
// refusal is counted, and the reason returned for the log.
func (d *diagnoser) take() (ok bool, reason string) {
	select {
	case d.slots <- struct{}{}:
	default:
		return false, notDiagnosedBusy
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if elapsed := now.Sub(d.refilled); elapsed > 0 {
		d.tokens = min(DiagnosisBurst, d.tokens+float64(elapsed)/float64(DiagnosisEvery))
		d.refilled = now
	}
	if d.tokens < 1 {
		<-d.slots
		return false, notDiagnosedRate
	}
	d.tokens--
	d.running.Add(1)
	return true, ""
}

// done frees the slot of a diagnosis that take let start.
func (d *diagnoser) done() {
	<-d.slots
	d.running.Done()
}

// skip counts a refusal that is not diagnosed, and reports whether to say so in the log
// now, with the count of such refusals since it was last said.
func (d *diagnoser) skip() (notice bool, count int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.undiagnosed++
	d.unnoticed++
	now := d.now()
	if !d.noticed.IsZero() && now.Sub(d.noticed) < DiagnosisLogInterval {
		return false, 0
	}
	d.noticed, count, d.unnoticed = now, d.unnoticed, 0
	return true, count
}

// record reports whether a finding of kind is to be logged now, with the counts to log
// beside it, which it then resets.
func (d *diagnoser) record(kind diagnose.Kind) (log bool, sameCause, undiagnosed int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.runs++
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
// log, within the diagnoser's bounds. It is called on the answer's path and returns at
// once: the diagnosis runs on a goroutine of its own, over a copy of body (which the
// caller reuses). It never changes the answer, and logs neither the secret, a signature
// nor the body: the report of package diagnose holds none of them.
func (p *Pipeline) diagnose(ctx context.Context, body []byte, h core.Headers, err error) {
	d := p.diagnoser
	if d == nil {
		return
	}
	if !errors.Is(err, core.ErrNoMatchingSignature) && !errors.Is(err, core.ErrTimestampTooOld) && !errors.Is(err, core.ErrTimestampTooNew) {
		return
	}
	ok, reason := len(body) <= MaxDiagnosedBody, notDiagnosedSize
	if ok {
		ok, reason = d.take()
	}
	if !ok {
		if notice, count := d.skip(); notice {
			p.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "openai-webhooks: refused delivery not diagnosed",
				slog.String("webhook_id", truncate(h.ID, 64)),
				slog.String("reason", reason),
				slog.Int("not_diagnosed_since_last_notice", count))
		}
		return
	}
	body = bytes.Clone(body)
	ctx = context.WithoutCancel(ctx) // the request is answered before the diagnosis ends
	go func() {
		defer d.done()
		if d.started != nil {
			d.started()
		}
		p.explain(ctx, body, h.Trim(), err)
	}()
}

// explain diagnoses one refused delivery and logs the finding, once per cause within
// DiagnosisLogInterval.
func (p *Pipeline) explain(ctx context.Context, body []byte, h core.Headers, err error) {
	report := diagnose.Refused(p.verifier, diagnose.Delivery{Body: body, Headers: h}, err)
	if len(report.Causes) == 0 {
		return
	}
	if !errors.Is(err, core.ErrNoMatchingSignature) && !signatureMatches(report) {
		return // a stale forgery, not clock skew: not worth a line
	}
	log, sameCause, undiagnosed := p.diagnoser.record(report.Kind())
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

// signatureMatches reports whether the diagnosis found the signature good.
func signatureMatches(r *diagnose.Report) bool {
	for _, c := range r.Checks {
		if c.Name == diagnose.CheckSignature {
			return c.Status == diagnose.StatusOK
		}
	}
	return false
}
