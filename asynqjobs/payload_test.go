package asynqjobs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

func TestPayloadCarriesBodyAndHeadersExactly(t *testing.T) {
	body := []byte("{\"id\":\"evt_1\",\"type\":\"batch.completed\",\n \"data\":{\"note\":\"line\\nbreak \u00e9\"}}\n\n\x00")
	h := core.Headers{ID: "wh_1", Timestamp: "1750861210", Signature: "v1,abc= v1a,def="}
	p, err := encodePayload(&core.Event{Raw: body, Headers: h})
	if err != nil {
		t.Fatal(err)
	}
	want := "openai-webhook/1\nwebhook-id: wh_1\nwebhook-timestamp: 1750861210\nwebhook-signature: v1,abc= v1a,def=\n\n" + string(body)
	if string(p) != want {
		t.Fatalf("payload\n%q\nwant\n%q", p, want)
	}
	gotBody, gotHeaders, err := decodePayload(p)
	if err != nil || !bytes.Equal(gotBody, body) || gotHeaders != h {
		t.Fatalf("decoded %q %+v %v, want the body and headers back", gotBody, gotHeaders, err)
	}
}

func TestPayloadRefusals(t *testing.T) {
	good := "openai-webhook/1\nwebhook-id: wh_1\nwebhook-timestamp: 1\nwebhook-signature: v1,x\n\n{}"
	for name, p := range map[string]string{
		"empty":          "",
		"other format":   "openai-webhook/2\n" + strings.TrimPrefix(good, "openai-webhook/1\n"),
		"no blank line":  strings.Replace(good, "\n\n", "\n", 1),
		"missing header": strings.Replace(good, "webhook-timestamp: 1\n", "", 1),
		"headers swapped": strings.Replace(strings.Replace(good, "webhook-id: wh_1", "webhook-timestamp: 1", 1),
			"webhook-timestamp: 1\nwebhook-signature", "webhook-id: wh_1\nwebhook-signature", 1),
		"empty value": strings.Replace(good, "webhook-id: wh_1", "webhook-id: ", 1),
		"truncated":   good[:30],
		"CRLF":        strings.ReplaceAll(good, "\n", "\r\n"),
	} {
		if _, _, err := decodePayload([]byte(p)); err == nil {
			t.Errorf("%s: decoded %q without error", name, p)
		}
	}
	if _, _, err := decodePayload([]byte(good)); err != nil {
		t.Fatalf("the good payload: %v", err)
	}
}

func TestHandleEventRefusesEventsItCannotQueue(t *testing.T) {
	// Nothing reaches Redis: the client points at a port where nothing listens.
	c := asynq.NewClient(asynq.RedisClientOpt{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = c.Close() })
	q := NewEnqueuer(c)
	ok := core.Headers{ID: "wh_1", Timestamp: "1", Signature: "v1,x"}
	for name, e := range map[string]*core.Event{
		"nil":                 nil,
		"no headers":          {Type: "batch.completed", Raw: []byte("{}")},
		"no body":             {Type: "batch.completed", Headers: ok},
		"line break in an id": {Type: "batch.completed", Raw: []byte("{}"), Headers: core.Headers{ID: "wh\n1", Timestamp: "1", Signature: "v1,x"}},
	} {
		if err := q.HandleEvent(context.Background(), e); !errors.Is(err, ErrNotQueued) {
			t.Errorf("%s: %v, want ErrNotQueued", name, err)
		}
	}
}

func TestNewEnqueuerPanicsOnInvalidOptions(t *testing.T) {
	c := asynq.NewClient(asynq.RedisClientOpt{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = c.Close() })
	for name, tc := range map[string]struct {
		client *asynq.Client
		opts   []Option
		want   string
	}{
		"nil client":      {nil, nil, "nil"},
		"empty queue":     {c, []Option{WithQueue(" ")}, "WithQueue"},
		"negative retry":  {c, []Option{WithMaxRetry(-1)}, "WithMaxRetry"},
		"negative keep":   {c, []Option{WithRetention(-time.Hour)}, "WithRetention"},
		"task id":         {c, []Option{WithTaskOptions(asynq.TaskID("x"))}, "TaskID"},
		"queue again":     {c, []Option{WithTaskOptions(asynq.Queue("x"))}, "WithQueue"},
		"retry again":     {c, []Option{WithTaskOptions(asynq.MaxRetry(1))}, "WithMaxRetry"},
		"retention again": {c, []Option{WithTaskOptions(asynq.Retention(time.Hour))}, "WithRetention"},
		"nil task option": {c, []Option{WithTaskOptions(nil)}, "nil"},
		"task group":      {c, []Option{WithTaskOptions(asynq.Group("g"))}, "asynq.Group"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), tc.want) {
					t.Errorf("%s: panic %v, want one naming %s", name, r, tc.want)
				}
			}()
			NewEnqueuer(tc.client, tc.opts...)
		}()
	}
	NewEnqueuer(c, WithQueue("webhooks"), WithMaxRetry(0), WithRetention(0), WithTaskOptions(asynq.Timeout(time.Minute)), Option{})
}

// A refused task's error wraps ErrInvalidTask, and the handler is not called: one whose
// signature does not verify is retried (no asynq.SkipRetry), one that is not a payload
// is not; the handler's own error comes back as it is.
func TestTaskHandlerErrors(t *testing.T) {
	_, v, s := conformance.Keys(t)
	handlerErr := errors.New("the API is down")
	calls := 0
	th := NewTaskHandler(v, core.HandlerFunc(func(context.Context, *core.Event) error { calls++; return handlerErr }),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), HandlerOption{})
	body := conformance.EventBody("evt_1", core.BatchCompleted)
	genuine, err := encodePayload(&core.Event{Raw: body, Headers: s.Headers("wh_1", time.Now().Add(-30*24*time.Hour), body)})
	if err != nil {
		t.Fatal(err)
	}
	if err := th.ProcessTask(context.Background(), asynq.NewTask(TypePrefix+"batch.completed", genuine)); err != handlerErr {
		t.Fatalf("a genuine month-old task: %v, want the handler's error as it is", err)
	}
	forged := bytes.Replace(genuine, []byte("evt_1"), []byte("evt_2"), 1)
	err = th.ProcessTask(context.Background(), asynq.NewTask(TypePrefix+"batch.completed", forged))
	if !errors.Is(err, ErrInvalidTask) || errors.Is(err, asynq.SkipRetry) || !errors.Is(err, core.ErrNoMatchingSignature) {
		t.Fatalf("a forged task: %v, want ErrInvalidTask and core.ErrNoMatchingSignature, retried", err)
	}
	err = th.ProcessTask(context.Background(), asynq.NewTask(TypePrefix+"batch.completed", []byte("not a payload")))
	if !errors.Is(err, ErrInvalidTask) || !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("a task that is not a payload: %v, want ErrInvalidTask and asynq.SkipRetry", err)
	}
	if calls != 1 {
		t.Fatalf("the handler ran %d times, want once (for the genuine task)", calls)
	}
}

func TestNewTaskHandlerPanicsOnNil(t *testing.T) {
	_, v, _ := conformance.Keys(t)
	for name, f := range map[string]func(){
		"verifier": func() { NewTaskHandler(nil, core.NewMux()) },
		"handler":  func() { NewTaskHandler(v, nil) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("nil %s: no panic", name)
				}
			}()
			f()
		}()
	}
}
