package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testredis"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testrie"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

// function is the program under test, however it runs: invoke passes a payload and
// returns the result, output returns what it has logged.
type function struct {
	invoke func(t *testing.T, payload []byte) []byte
	output func() string
}

// TestInProcess runs the deliveries against newHandler, the function's handler, called
// directly.
func TestInProcess(t *testing.T) {
	sender := webhooktest.NewSender()
	var out testkit.LockedBuffer
	h, err := newHandler(env(map[string]string{core.EnvSecret: sender.Secret()}), &out)
	if err != nil {
		t.Fatal(err)
	}
	checkDeliveries(t, sender, function{
		invoke: func(t *testing.T, payload []byte) []byte {
			result, err := h.Invoke(context.Background(), payload)
			if err != nil { // as Lambda reports a failed invocation
				typ := reflect.TypeOf(err)
				if typ.Kind() == reflect.Pointer {
					typ = typ.Elem()
				}
				b, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": typ.Name()})
				return b
			}
			return result
		},
		output: out.String,
	})
}

// TestEmulator builds the program as a Lambda bootstrap (-tags lambda.norpc), runs it
// under AWS's Lambda Runtime Interface Emulator and invokes it as Lambda does.
func TestEmulator(t *testing.T) {
	sender := webhooktest.NewSender()
	fn := testrie.Start(t, testrie.Build(t, "."), core.EnvSecret+"="+sender.Secret(), "REDIS_URL=")
	checkDeliveries(t, sender, function{
		invoke: func(t *testing.T, payload []byte) []byte { return fn.Invoke(t, payload) },
		output: fn.Output,
	})
}

// TestEmulatorRedis runs two execution environments of the function, as Lambda scales
// out, with REDIS_URL set: a retry that reaches the other environment is acknowledged as
// a duplicate without running the handler again.
func TestEmulatorRedis(t *testing.T) {
	bootstrap := testrie.Build(t, ".")
	client := testredis.Start(t)
	sender := webhooktest.NewSender()
	url := os.Getenv(testredis.EnvURL) // the Redis testredis connected to
	if url == "" {
		url = "redis://" + client.Options().Addr // the one it started
	}
	redisEnv := "REDIS_URL=" + url
	envA := testrie.Start(t, bootstrap, core.EnvSecret+"="+sender.Secret(), redisEnv)
	envB := testrie.Start(t, bootstrap, core.EnvSecret+"="+sender.Secret(), redisEnv)

	d := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_redis"})
	event := testrie.Event(testrie.HTTPAPI, "/", d.Header(), d.Body, true)
	wantAnswer(t, testrie.HTTPAPI, envA.Invoke(t, event), 200, `{"received":true}`)
	wantAnswer(t, testrie.HTTPAPI, envB.Invoke(t, event), 200, `{"received":true,"duplicate":true}`)

	eventID := eventIDOf(t, d.Body)
	waitForHandled(t, envA.Output, eventID)
	// B logs the duplicate; by then it would have logged a handling too.
	waitFor(t, envB.Output, func(out string) bool { return strings.Contains(out, "duplicate delivery acknowledged") })
	if n := handled(envA.Output())[eventID] + handled(envB.Output())[eventID]; n != 1 {
		t.Fatalf("the handler ran %d times for one delivery sent to two environments, want 1", n)
	}
}

// checkDeliveries sends genuine deliveries from every source (base64 and plain), a
// duplicate, a forged one, a stale one and a payload that is no HTTP event, and checks
// the answers and the handler's calls.
func checkDeliveries(t *testing.T, sender *webhooktest.Sender, fn function) {
	type sent struct {
		eventID string
		times   int // how many times the handler must have run for it
	}
	var all []sent
	deliver := func(name string, src testrie.Source, d webhooktest.Delivery, isBase64 bool, status int, body string) {
		t.Helper()
		got := fn.invoke(t, testrie.Event(src, "/webhooks/openai", d.Header(), d.Body, isBase64))
		t.Run(name, func(t *testing.T) { wantAnswer(t, src, got, status, body) })
	}

	first := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_1"})
	for i, src := range testrie.Sources() {
		for _, isBase64 := range []bool{true, false} {
			d := sender.Delivery(core.ResponseCompleted, core.ResponseData{ID: fmt.Sprintf("resp_%d_%v", i, isBase64)})
			if i == 0 && isBase64 {
				d = first
			}
			deliver(fmt.Sprintf("genuine, %s, base64 %v", src, isBase64), src, d, isBase64, 200, `{"received":true}`)
			all = append(all, sent{eventIDOf(t, d.Body), 1})
		}
	}
	for _, src := range []testrie.Source{testrie.HTTPAPI, testrie.ALBMultiValue} {
		deliver("duplicate, "+src.String(), src, first, true, 200, `{"received":true,"duplicate":true}`)
	}
	forged := webhooktest.NewSender().Delivery(core.BatchCompleted, core.BatchData{ID: "batch_forged"})
	deliver("forged", testrie.HTTPAPI, forged, true, 400, "no matching webhook signature")
	all = append(all, sent{eventIDOf(t, forged.Body), 0})
	stale := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_stale"}, webhooktest.WithTimestamp(time.Now().Add(-10*time.Minute)))
	deliver("stale", testrie.FunctionURL, stale, false, 400, "webhook timestamp too old")
	all = append(all, sent{eventIDOf(t, stale.Body), 0})
	tampered := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_tampered"})
	tampered.Body = []byte(strings.Replace(string(tampered.Body), "batch_tampered", "batch_tampereD", 1))
	deliver("tampered", testrie.RESTAPI, tampered, false, 400, "no matching webhook signature")

	t.Run("not an HTTP event", func(t *testing.T) {
		var r testrie.Response
		got := fn.invoke(t, []byte(`{"Records":[{"eventSource":"aws:sqs","body":"{}"}]}`))
		if err := json.Unmarshal(got, &r); err != nil || !strings.Contains(r.ErrorMessage, "not an API Gateway, function URL or ALB request event") {
			t.Fatalf("got %s, want the invocation to fail naming what the function accepts", got)
		}
		if r.ErrorType != "unrecognizedEvent" {
			t.Fatalf("got errorType %q, want unrecognizedEvent", r.ErrorType)
		}
	})

	// The output comes in order: once the last line is there, all are.
	last := sender.Delivery(core.BatchExpired, core.BatchData{ID: "batch_last"})
	deliver("last", testrie.HTTPAPI, last, false, 200, `{"received":true}`)
	all = append(all, sent{eventIDOf(t, last.Body), 1})
	waitForHandled(t, fn.output, eventIDOf(t, last.Body))
	counts := handled(fn.output())
	for _, s := range all {
		if counts[s.eventID] != s.times {
			t.Errorf("the handler ran %d times for %s, want %d\noutput:\n%s", counts[s.eventID], s.eventID, s.times, fn.output())
		}
	}
}

// wantAnswer checks an answer of the function: its shape for src, the status, and a
// JSON body that is want, or for an error {"error":"…"} containing want.
func wantAnswer(t *testing.T, src testrie.Source, got []byte, status int, want string) {
	t.Helper()
	var r testrie.Response
	if err := json.Unmarshal(got, &r); err != nil {
		t.Fatalf("the answer %s does not decode: %v", got, err)
	}
	if msg := testrie.CheckShape(src, r); msg != "" {
		t.Fatalf("the answer %s: %s", got, msg)
	}
	if ct := r.Header("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type is %q, want JSON: %s", ct, got)
	}
	if r.StatusCode != status {
		t.Fatalf("got status %d (%s), want %d", r.StatusCode, r.Body, status)
	}
	if status == 200 {
		if r.Body != want {
			t.Fatalf("got body %s, want %s", r.Body, want)
		}
		return
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil || len(body) != 1 || !strings.Contains(body["error"], want) {
		t.Fatalf(`got body %s, want {"error":"…%s…"}`, r.Body, want)
	}
}

// handled counts the "event handled" lines of the output by event id.
func handled(output string) map[string]int {
	counts := map[string]int{}
	scanner := bufio.NewScanner(strings.NewReader(output))
	for scanner.Scan() {
		var line struct {
			Msg     string `json:"msg"`
			EventID string `json:"event_id"`
		}
		if json.Unmarshal(scanner.Bytes(), &line) == nil && line.Msg == "event handled" {
			counts[line.EventID]++
		}
	}
	return counts
}

func waitForHandled(t *testing.T, output func() string, eventID string) {
	t.Helper()
	waitFor(t, output, func(out string) bool { return handled(out)[eventID] > 0 })
}

func waitFor(t *testing.T, output func() string, done func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !done(output()) {
		if time.Now().After(deadline) {
			t.Fatalf("the expected output did not come within 10s:\n%s", output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func eventIDOf(t *testing.T, body []byte) string {
	t.Helper()
	e, err := core.ParseEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

func env(m map[string]string) func(string) string {
	return func(name string) string { return m[name] }
}

func TestBadSecret(t *testing.T) {
	_, err := newHandler(env(map[string]string{core.EnvSecret: "not a secret"}), &testkit.LockedBuffer{})
	if err == nil || !strings.Contains(err.Error(), core.EnvSecret) {
		t.Fatalf("got %v, want an error naming %s", err, core.EnvSecret)
	}
}
