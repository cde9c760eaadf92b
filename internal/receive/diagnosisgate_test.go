package receive

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestDiagnosisGate(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1750861210, 0)}
	g := NewDiagnosisGate(clock.now)

	// Off the caller's path: Go returns while every diagnosis it started still runs.
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := range DiagnosisConcurrency {
		wg.Add(1)
		if err := g.Go(100, func() { defer wg.Done(); <-release }); err != nil {
			t.Fatalf("diagnosis %d: %v", i, err)
		}
	}
	// At most DiagnosisConcurrency at once.
	if err := g.Go(100, func() { t.Error("ran past the concurrency bound") }); !errors.Is(err, ErrNotDiagnosedBusy) {
		t.Fatalf("over the concurrency bound: %v", err)
	}
	close(release)
	wg.Wait()

	// The rest of the burst, one at a time, then the rate.
	for i := DiagnosisConcurrency; i < DiagnosisBurst; i++ {
		waitIdle(t, g)
		done := make(chan struct{})
		if err := g.Go(100, func() { close(done) }); err != nil {
			t.Fatalf("diagnosis %d of the burst: %v", i, err)
		}
		<-done
	}
	waitIdle(t, g)
	if err := g.Go(100, func() { t.Error("ran past the rate") }); !errors.Is(err, ErrNotDiagnosedBusy) {
		t.Fatalf("over the rate: %v", err)
	}
	clock.add(DiagnosisEvery)
	done := make(chan struct{})
	if err := g.Go(100, func() { close(done) }); err != nil {
		t.Fatalf("after %s: %v", DiagnosisEvery, err)
	}
	<-done

	// A body over the cap is never diagnosed.
	clock.add(time.Hour)
	if err := g.Go(MaxDiagnosedBody+1, func() { t.Error("diagnosed a body over the cap") }); !errors.Is(err, ErrNotDiagnosedBody) {
		t.Fatalf("over the body cap: %v", err)
	}
}

// waitIdle waits until no diagnosis of g is running.
func waitIdle(t *testing.T, g *DiagnosisGate) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(g.d.slots) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("diagnoses still running after 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}
