package receive

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const diagSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// diagnosing returns a pipeline with Config.Diagnosis whose diagnoser and verifier run on
// clock, logging to logs.
func diagnosing(t *testing.T, clock *fakeClock, logs *testkit.LockedBuffer) *Pipeline {
	t.Helper()
	v, err := core.NewVerifier(diagSecret, core.WithClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	p := New(v, Config{Diagnosis: true, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	p.diagnoser = newDiagnoser(clock.now)
	return p
}

func (d *diagnoser) diagnosesRun() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.runs
}

// refuse sends a delivery through p and waits for the diagnosis it started, if any.
func refuse(t *testing.T, p *Pipeline, body []byte, h core.Headers) error {
	t.Helper()
	_, err := p.verify(context.Background(), nil, body, h)
	if err == nil {
		t.Fatalf("delivery %s verified", h.ID)
	}
	p.diagnoser.running.Wait()
	return err
}

var diagBody = []byte(`{"id": "evt_1", "object": "event", "created_at": 1750861210, "type": "batch.completed", "data": {"id": "batch_1"}}`)

// forged is a well-formed signature header that matches nothing, different each time.
func forged(i int) core.Headers {
	var sig [32]byte
	binary.BigEndian.PutUint64(sig[:], uint64(i)+1)
	return core.Headers{ID: "wh_forged", Timestamp: "1750861210", Signature: "v1," + base64.StdEncoding.EncodeToString(sig[:])}
}

// 10 000 forgeries within a minute cost DiagnosisBurst (10) diagnoses and one log line;
// a minute later, one more diagnosis, and a log line that counts the rest.
func TestDiagnosisFloodIsBounded(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1750861210, 0)}
	var logs testkit.LockedBuffer
	p := diagnosing(t, clock, &logs)

	const flood = 10_000
	for i := range flood {
		if err := refuse(t, p, diagBody, forged(i)); !errors.Is(err, core.ErrNoMatchingSignature) {
			t.Fatalf("forgery %d: %v", i, err)
		}
		if i%1000 == 999 {
			clock.add(time.Second) // 10 s in all: one more token
		}
	}
	if got, want := p.diagnoser.diagnosesRun(), DiagnosisBurst+1; got != want {
		t.Errorf("%d forgeries over 10 s ran %d diagnoses, want %d", flood, got, want)
	}
	if n := strings.Count(logs.String(), "refused delivery diagnosed"); n != 1 {
		t.Errorf("%d diagnosis log lines for one cause within a minute, want 1:\n%s", n, logs.String())
	}
	if n := strings.Count(logs.String(), "refused delivery not diagnosed"); n != 1 || !strings.Contains(logs.String(), "reason=rate_limited not_diagnosed_since_last_notice=1") {
		t.Errorf("%d lines say refusals were not diagnosed, want 1 for the first:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "cause=no_match") {
		t.Errorf("the log does not say no_match:\n%s", logs.String())
	}

	clock.add(time.Minute)
	refuse(t, p, diagBody, forged(flood))
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	last := lines[len(lines)-1]
	if strings.Count(logs.String(), "refused delivery diagnosed") != 2 ||
		!strings.Contains(last, "same_cause_since_last_log=10") ||
		!strings.Contains(last, "not_diagnosed_since_last_log=9989") {
		t.Errorf("after a minute, want a second line counting 10 diagnosed and 9989 not diagnosed since:\n%s", last)
	}
}

// A stale delivery whose signature is good is diagnosed as clock skew; a stale forgery
// costs no diagnosis; a body over MaxDiagnosedBody is counted, not diagnosed.
func TestDiagnosisClockSkewAndBounds(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1750861210, 0)}
	var logs testkit.LockedBuffer
	p := diagnosing(t, clock, &logs)
	signer, err := core.NewSigner(diagSecret)
	if err != nil {
		t.Fatal(err)
	}
	stale := signer.Headers("wh_stale", clock.now().Add(-10*time.Minute), diagBody)
	if err := refuse(t, p, diagBody, stale); !errors.Is(err, core.ErrTimestampTooOld) {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "cause=clock_skew") || p.diagnoser.diagnosesRun() != 1 {
		t.Errorf("a good signature 10 minutes old is not diagnosed as clock skew (%d runs):\n%s", p.diagnoser.diagnosesRun(), logs.String())
	}

	staleForgery := forged(1)
	staleForgery.Timestamp = stale.Timestamp
	if err := refuse(t, p, diagBody, staleForgery); !errors.Is(err, core.ErrTimestampTooOld) {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), MaxDiagnosedBody+1)
	if err := refuse(t, p, big, forged(2)); !errors.Is(err, core.ErrNoMatchingSignature) {
		t.Fatal(err)
	}
	if n := p.diagnoser.diagnosesRun(); n != 1 {
		t.Errorf("a stale forgery or an oversized body was diagnosed: %d runs, want 1", n)
	}
	if !strings.Contains(logs.String(), "reason=body_too_large") {
		t.Errorf("the log does not say the oversized body was not diagnosed:\n%s", logs.String())
	}
}

// The answer does not depend on the option: same error text, nothing else.
func TestDiagnosisKeepsTheAnswer(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1750861210, 0)}
	var logs testkit.LockedBuffer
	on := diagnosing(t, clock, &logs)
	v, err := core.NewVerifier(diagSecret, core.WithClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	off := New(v, Config{Logger: slog.New(slog.DiscardHandler)})
	signer, err := core.NewSigner(diagSecret)
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, diagBody); err != nil {
		t.Fatal(err)
	}
	h := signer.Headers("wh_1", clock.now(), diagBody)
	errOn := refuse(t, on, compact.Bytes(), h)
	_, errOff := off.verify(context.Background(), nil, compact.Bytes(), h)
	if errOn == nil || errOff == nil || errOn.Error() != errOff.Error() || !bytes.Equal(ErrorBody(errOn), ErrorBody(errOff)) {
		t.Errorf("with the option %v, without %v", errOn, errOff)
	}
	if !strings.Contains(logs.String(), "cause=body_reserialized") {
		t.Errorf("log:\n%s", logs.String())
	}
}

// The refusal is answered before its diagnosis runs: while DiagnosisConcurrency
// diagnoses are held, refusals are still answered at once, the next one is not diagnosed
// (busy), and the log says so; released, the held diagnoses log their finding.
func TestDiagnosisIsOffTheAnswersPath(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1750861210, 0)}
	var logs testkit.LockedBuffer
	p := diagnosing(t, clock, &logs)
	release := make(chan struct{})
	var held sync.WaitGroup
	p.diagnoser.started = func() { held.Done(); <-release }
	held.Add(DiagnosisConcurrency)
	for i := range DiagnosisConcurrency {
		if _, err := p.verify(context.Background(), nil, diagBody, forged(i)); !errors.Is(err, core.ErrNoMatchingSignature) {
			t.Fatalf("forgery %d: %v", i, err)
		}
	}
	held.Wait() // every slot is taken by a diagnosis that has not finished
	if _, err := p.verify(context.Background(), nil, diagBody, forged(99)); !errors.Is(err, core.ErrNoMatchingSignature) {
		t.Fatal(err)
	}
	if log := logs.String(); strings.Contains(log, "refused delivery diagnosed") || !strings.Contains(log, "reason=busy") {
		t.Errorf("with the diagnoses held, want no finding yet and a busy notice:\n%s", log)
	}
	close(release)
	p.diagnoser.running.Wait()
	if got := p.diagnoser.diagnosesRun(); got != DiagnosisConcurrency {
		t.Errorf("%d diagnoses ran, want %d", got, DiagnosisConcurrency)
	}
	if !strings.Contains(logs.String(), "cause=no_match") {
		t.Errorf("the held diagnoses did not log their finding:\n%s", logs.String())
	}
}

// The largest refusal the option diagnoses (a 64 KiB body, 32 v1a entries under a whpk_
// key, about 1,300 ed25519 checks to search in full) is diagnosed within the budget and
// logged as cut short, not as a finding it could not make.
func TestDiagnosisWorstCase(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1750861210, 0)}
	var logs testkit.LockedBuffer
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	v, err := core.NewVerifier("whpk_"+base64.StdEncoding.EncodeToString(pub), core.WithClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	p := New(v, Config{Diagnosis: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	p.diagnoser = newDiagnoser(clock.now)
	line := []byte(`{"a": "é <b>"}` + "\r\n")
	body := bytes.Repeat(line, MaxDiagnosedBody/len(line))
	entries := make([]string, core.MaxSignatureHeaderEntries)
	for i := range entries {
		entries[i] = "v1a," + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{byte(i)}, ed25519.SignatureSize))
	}
	h := core.Headers{ID: "wh_worst", Timestamp: "1750861210", Signature: strings.Join(entries, " ")}
	if err := refuse(t, p, body, h); !errors.Is(err, core.ErrNoMatchingSignature) {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "cause=search_cut_short") {
		t.Errorf("log:\n%s", logs.String())
	}
}
