package receive

import (
	"errors"
	"time"
)

// Why DiagnosisGate.Go did not run a diagnosis.
var (
	// ErrNotDiagnosedBody: the body is over MaxDiagnosedBody.
	ErrNotDiagnosedBody = errors.New("not diagnosed: the body is over 64 KiB")
	// ErrNotDiagnosedBusy: diagnoses are at their rate or concurrency bound.
	ErrNotDiagnosedBusy = errors.New("not diagnosed: too many refused deliveries at once")
)

// DiagnosisGate lets a caller other than the pipeline (the CLI's inspector) diagnose
// refused deliveries within the bounds of the adapters' WithDiagnosis, by the same
// diagnoser: bodies up to MaxDiagnosedBody, at most DiagnosisConcurrency at once,
// DiagnosisBurst in a burst and then one every DiagnosisEvery, each in its own goroutine
// so that the refusal's answer never waits for it. Safe for concurrent use.
type DiagnosisGate struct {
	d *diagnoser
}

// NewDiagnosisGate returns a gate whose rate runs on now (time.Now when nil).
func NewDiagnosisGate(now func() time.Time) *DiagnosisGate {
	if now == nil {
		now = time.Now
	}
	return &DiagnosisGate{d: newDiagnoser(now)}
}

// Go starts fn in a goroutine of its own when a refused body of bodyLen bytes may be
// diagnosed now, and returns nil; otherwise it returns ErrNotDiagnosedBody or
// ErrNotDiagnosedBusy and the refusal is only counted. fn must not keep what the
// caller reuses after Go returns.
func (g *DiagnosisGate) Go(bodyLen int, fn func()) error {
	if bodyLen > MaxDiagnosedBody {
		g.d.skip()
		return ErrNotDiagnosedBody
	}
	if ok, _ := g.d.take(); !ok {
		g.d.skip()
		return ErrNotDiagnosedBusy
	}
	go func() {
		defer g.d.done()
		fn()
	}()
	return nil
}
