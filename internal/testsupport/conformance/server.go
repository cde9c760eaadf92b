package conformance

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
)

// mode is one way of mounting an adapter: Middleware in front of Next, or Handler;
// idempotent servers of the cases that do not test idempotency itself get a store.
type mode struct {
	name       string
	middleware bool
	idempotent bool
	start      func(t *testing.T, v *core.Verifier, o Options, rec *recorder) string
}

func modes(d Driver) []mode {
	handler := mode{name: "Handler", start: func(t *testing.T, v *core.Verifier, o Options, rec *recorder) string {
		return d.Handler(t, v, o, core.HandlerFunc(rec.handle))
	}}
	if d.NoMiddleware {
		return []mode{handler}
	}
	return []mode{
		{name: "Middleware", middleware: true, start: func(t *testing.T, v *core.Verifier, o Options, rec *recorder) string {
			return d.Middleware(t, v, o, rec.next)
		}},
		handler,
	}
}

// seen is what the application saw of one delivery.
type seen struct {
	event    *core.Event // from EventFrom (Handler: the argument)
	ok       bool
	ctxEvent *core.Event // from core.FromContext of the handler's context
	ctxOK    bool
	body     []byte // the body the handler read (Handler: e.Raw)
}

// recorder is the application: it records what it sees and answers with answer(n) for
// its n-th call (from 1), or 200 when answer is nil.
type recorder struct {
	answer func(n int) Answer
	mu     sync.Mutex
	seen   []seen
}

func (r *recorder) record(s seen) Answer {
	r.mu.Lock()
	r.seen = append(r.seen, s)
	n := len(r.seen)
	r.mu.Unlock()
	if r.answer == nil {
		return Answer{Status: http.StatusOK}
	}
	return r.answer(n)
}

func (r *recorder) next(ctx context.Context, e *core.Event, ok bool, body []byte) Answer {
	ctxEvent, ctxOK := core.FromContext(ctx)
	a := r.record(seen{event: e, ok: ok, ctxEvent: ctxEvent, ctxOK: ctxOK, body: bytes.Clone(body)})
	if a.Panic {
		panic(PanicValue)
	}
	if a.Mark != nil && e != nil {
		a.Mark(e)
	}
	return a
}

var errApplication = errors.New("the application failed")

func (r *recorder) handle(ctx context.Context, e *core.Event) error {
	ctxEvent, ctxOK := core.FromContext(ctx)
	a := r.record(seen{event: e, ok: e != nil, ctxEvent: ctxEvent, ctxOK: ctxOK, body: e.Raw})
	if a.Panic {
		panic(PanicValue)
	}
	if a.Mark != nil {
		a.Mark(e)
	}
	if a.Err != nil {
		return a.Err
	}
	if a.Fail || a.Status < 200 || a.Status > 299 {
		return errApplication
	}
	return nil
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}

func (r *recorder) all() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.seen...)
}

// server is one running endpoint of the adapter under test.
type server struct {
	*client
	rec  *recorder
	mode mode
}

func (f *fixture) start(t *testing.T, m mode, o Options, answer func(n int) Answer) *server {
	t.Helper()
	rec := &recorder{answer: answer}
	url := m.start(t, f.verifier, o, rec)
	return &server{client: newClient(t, url), rec: rec, mode: m}
}

func (s *server) wantCalls(t *testing.T, n int) {
	t.Helper()
	if got := s.rec.calls(); got != n {
		t.Fatalf("the application ran %d times, want %d", got, n)
	}
}

// wantAnswered checks the answer to a delivery the application accepted: its own for
// Middleware, 200 {"received":true} for Handler.
func (s *server) wantAnswered(t *testing.T, got response) {
	t.Helper()
	if !s.mode.middleware {
		wantJSON(t, got, http.StatusOK, `{"received":true}`)
		return
	}
	if got.status != http.StatusOK || string(got.body) != NextBody {
		t.Fatalf("got %d %q, want the next handler's 200 %q", got.status, got.body, NextBody)
	}
}

// wantEvent checks that the application saw the delivery r whole and unchanged.
func wantEvent(t *testing.T, s seen, r request) {
	t.Helper()
	want, err := core.ParseEvent(r.body)
	if err != nil {
		t.Fatalf("the case sent an unparseable event: %v", err)
	}
	e := s.event
	switch {
	case !s.ok || e == nil:
		t.Fatal("EventFrom found no event")
	case !s.ctxOK || s.ctxEvent != e:
		t.Fatalf("core.FromContext of the handler's context gave %p (ok %v), want the event %p of EventFrom", s.ctxEvent, s.ctxOK, e)
	case e.ID != want.ID || e.Type != want.Type || e.CreatedAt != want.CreatedAt || !bytes.Equal(e.Data, want.Data):
		t.Fatalf("got event %s %s %d %s, want %s %s %d %s", e.ID, e.Type, e.CreatedAt, e.Data, want.ID, want.Type, want.CreatedAt, want.Data)
	case e.WebhookID != r.header.Get(core.HeaderID):
		t.Fatalf("WebhookID is %q, want %q", e.WebhookID, r.header.Get(core.HeaderID))
	case e.Timestamp.Unix() != mustUnix(t, r.header.Get(core.HeaderTimestamp)):
		t.Fatalf("Timestamp is %v, want %s", e.Timestamp.Unix(), r.header.Get(core.HeaderTimestamp))
	case !bytes.Equal(e.Raw, r.body):
		t.Fatalf("Raw is %q, want the body sent %q", e.Raw, r.body)
	case !bytes.Equal(s.body, r.body):
		t.Fatalf("the handler read the body %q, want the body sent %q", s.body, r.body)
	}
}

func mustUnix(t *testing.T, ts string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatalf("an accepting case sent the timestamp %q: %v", ts, err)
	}
	return n
}
