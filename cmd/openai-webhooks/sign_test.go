package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testrie"
	"github.com/webhookkit/openai-webhooks/lambdaadapter"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

type lambdaCase struct {
	args   []string
	base64 bool
}

func lambdaCases() []lambdaCase {
	var cs []lambdaCase
	for _, src := range webhooktest.LambdaSources() {
		cs = append(cs,
			lambdaCase{[]string{"--lambda", string(src)}, false},
			lambdaCase{[]string{"--lambda", string(src), "--base64", "--path", "/hooks/openai"}, true})
	}
	return cs
}

// signLambda runs sign --lambda on body and returns the event it printed.
func signLambda(t *testing.T, secret string, body []byte, args ...string) []byte {
	t.Helper()
	file := writeFile(t, "event.json", body)
	r := runCLI(t, "", nil, append([]string{"sign", "--secret", secret, "--file", file}, args...)...)
	wantCode(t, r, 0)
	wantContains(t, "sign "+strings.Join(args, " ")+" stderr", r.stderr, "accepts it until")
	if !json.Valid([]byte(r.stdout)) {
		t.Fatalf("sign %v printed no JSON:\n%s", args, r.stdout)
	}
	return []byte(r.stdout)
}

type recorder struct{ events []*core.Event }

func (h *recorder) HandleEvent(_ context.Context, e *core.Event) error {
	h.events = append(h.events, e)
	return nil
}

// The event sign --lambda prints is accepted by lambdaadapter.Handler, as printed, for
// every source, plain or base64: the handler gets the exact body. The same event with
// its body changed is refused.
func TestSignLambdaAccepted(t *testing.T) {
	secret := newSecret(t)
	v, err := core.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	body := sampleEvent(core.BatchCompleted, time.Now())
	for _, c := range lambdaCases() {
		h := &recorder{}
		fn := lambdaadapter.Handler(v, h, lambdaadapter.WithLogger(slog.New(slog.DiscardHandler)))
		payload := signLambda(t, secret, body, c.args...)
		if got := invokeStatus(t, fn, payload); got != http.StatusOK {
			t.Fatalf("%v: answered %d, want 200\n%s", c.args, got, payload)
		}
		if len(h.events) != 1 || !bytes.Equal(h.events[0].Raw, body) {
			t.Fatalf("%v: the handler saw %d events, want the exact body once", c.args, len(h.events))
		}
		var e struct {
			Body   string `json:"body"`
			Base64 bool   `json:"isBase64Encoded"`
		}
		if err := json.Unmarshal(payload, &e); err != nil || e.Base64 != c.base64 {
			t.Fatalf("%v: isBase64Encoded %v, want %v (%v)", c.args, e.Base64, c.base64, err)
		}
		other := bytes.Replace(body, []byte("batch_"), []byte("batch_x"), 1)
		tampered := bytes.Replace(payload, mustJSON(t, string(body)), mustJSON(t, string(other)), 1)
		if c.base64 {
			tampered = bytes.Replace(payload, []byte(base64.StdEncoding.EncodeToString(body)), []byte(base64.StdEncoding.EncodeToString(other)), 1)
		}
		if bytes.Equal(tampered, payload) {
			t.Fatalf("%v: the test did not change the body", c.args)
		}
		if got := invokeStatus(t, fn, tampered); got != http.StatusBadRequest || len(h.events) != 1 {
			t.Fatalf("%v: a tampered event answered %d with %d handler calls, want 400 and no call", c.args, got, len(h.events))
		}
	}
}

// mustJSON returns s as a JSON string without its quotes, as it appears in the event.
func mustJSON(t *testing.T, s string) []byte {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b[1 : len(b)-1]
}

func invokeStatus(t *testing.T, fn interface {
	Invoke(context.Context, []byte) ([]byte, error)
}, payload []byte) int {
	t.Helper()
	out, err := fn.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("the invocation failed: %v", err)
	}
	var r testrie.Response
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("the answer %s does not decode: %v", out, err)
	}
	return r.StatusCode
}

// The printed events run through AWS's Lambda runtime interface emulator, in the
// example function built as for Lambda, as `aws lambda invoke` would pass them.
func TestSignLambdaEmulator(t *testing.T) {
	secret := newSecret(t)
	fn := testrie.Start(t, testrie.Build(t, "../../examples/lambda"), core.EnvSecret+"="+secret, "REDIS_URL=")
	for _, c := range lambdaCases() {
		payload := signLambda(t, secret, sampleEvent(core.BatchCompleted, time.Now()), c.args...)
		var r testrie.Response
		if err := json.Unmarshal(fn.Invoke(t, payload), &r); err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("%v: the emulator answered %+v (%v), want 200\n%s", c.args, r, err, fn.Output())
		}
	}
}

func TestSignLambdaUsage(t *testing.T) {
	secret := newSecret(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--lambda", "v3"}, `unknown --lambda source "v3"`},
		{[]string{"--base64"}, "--base64 needs --lambda"},
		{[]string{"--path", "/x"}, "--path needs --lambda"},
		{[]string{"--lambda", "url", "--curl", "http://localhost:3000/"}, "give one of them"},
		{[]string{"--lambda", "alb", "--path", "hooks"}, "must start with /"},
	} {
		r := runCLI(t, "{}", nil, append([]string{"sign", "--secret", secret}, c.args...)...)
		wantCode(t, r, 2)
		wantContains(t, strings.Join(c.args, " "), r.stderr, c.want)
	}
}

// A body that is not UTF-8 cannot travel as a Lambda event's text (JSON would replace
// its bytes, and the signature would no longer match): sign --lambda says so and
// points at --base64, which carries it byte for byte.
func TestSignLambdaBodyNotUTF8(t *testing.T) {
	secret := newSecret(t)
	file := writeFile(t, "event.bin", []byte("{\"note\":\"caf\xe9\"}"))
	r := runCLI(t, "", nil, "sign", "--secret", secret, "--file", file, "--lambda", "v2")
	wantCode(t, r, 2)
	wantContains(t, "sign --lambda v2 of a Latin-1 body", r.stderr, "not valid UTF-8", "--base64")
	r = runCLI(t, "", nil, "sign", "--secret", secret, "--file", file, "--lambda", "v2", "--base64")
	wantCode(t, r, 0)
}
