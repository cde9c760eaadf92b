package conformance

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// RunFunc is the shape of an example's main: it serves until ctx is done, reads its
// configuration with getenv (OPENAI_WEBHOOK_SECRET, PORT, HOST), and writes
// "listening on <host:port>" to stdout once the server accepts connections.
type RunFunc func(ctx context.Context, getenv func(string) string, stdout io.Writer) error

var listening = regexp.MustCompile(`listening on (?:http://)?([^\s"]+)`)

// StartExample runs an example's run func with env until the test ends, and returns the
// base URL (http://host:port) it listens on and a func that returns all it has written
// so far. The test fails when run does not start within 10 s, or does not return nil
// after its context is cancelled (graceful shutdown).
func StartExample(t *testing.T, run RunFunc, env map[string]string) (baseURL string, output func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &exampleOutput{addr: make(chan string, 1)}
	var runErr error
	done := make(chan struct{})
	go func() {
		runErr = run(ctx, func(k string) string { return env[k] }, out)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
			if runErr != nil {
				t.Errorf("run returned %v after shutdown, want nil", runErr)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return within 10 s of shutdown")
		}
	})
	select {
	case a := <-out.addr:
		return "http://" + a, out.String
	case <-done:
		t.Fatalf("run returned before listening: %v\n%s", runErr, out.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("run did not print \"listening on <address>\" within 10 s\n%s", out.String())
	}
	return "", out.String
}

// exampleOutput keeps what an example writes, and sends the address of its first
// "listening on" line to addr.
type exampleOutput struct {
	testkit.LockedBuffer
	addr  chan string
	found atomic.Bool
}

func (o *exampleOutput) Write(p []byte) (int, error) {
	n, err := o.LockedBuffer.Write(p)
	if !o.found.Load() {
		if m := listening.FindStringSubmatch(o.String()); m != nil && o.found.CompareAndSwap(false, true) {
			o.addr <- m[1]
		}
	}
	return n, err
}

// ExampleEvents are the deliveries CheckExample sends, by type: ids and data ids are
// "<prefix>_example", e.g. response.completed carries data.id "resp_example".
var ExampleEvents = map[core.EventType]string{
	core.ResponseCompleted:    `{"id":"evt_response_example","object":"event","created_at":1750861210,"type":"response.completed","data":{"id":"resp_example"}}`,
	core.BatchCompleted:       `{"id":"evt_batch_example","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_example"}}`,
	core.RealtimeCallIncoming: `{"id":"evt_call_example","object":"event","created_at":1750861210,"type":"realtime.call.incoming","data":{"call_id":"rtc_example","sip_headers":[{"name":"From","value":"sip:+15550100@example.com"}]}}`,
	"example.future_type":     `{"id":"evt_future_example","object":"event","created_at":1750861210,"type":"example.future_type","data":{"id":"future_example"}}`,
}

// CheckExample is the common test of the examples' servers: start-up fails clearly
// without a secret or with an invalid one; with one, GET /health answers 200 and POST
// /webhooks/openai answers 2xx {"received":true…} to every ExampleEvents delivery and 400
// to a forged one, over real HTTP on loopback; its output then contains every one of
// wantOutput; and it shuts down gracefully.
func CheckExample(t *testing.T, run RunFunc, wantOutput ...string) {
	t.Helper()
	for name, secret := range map[string]string{"missing": "", "invalid": "whsec_c2hvcnQ="} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		env := map[string]string{core.EnvSecret: secret, "PORT": "0", "HOST": "127.0.0.1"}
		err := run(ctx, func(k string) string { return env[k] }, io.Discard)
		cancel()
		if !errors.Is(err, core.ErrInvalidSecret) || !strings.Contains(err.Error(), core.EnvSecret) {
			t.Errorf("with the secret %s, run returned %v; want an error naming %s and wrapping core.ErrInvalidSecret", name, err, core.EnvSecret)
		}
	}

	secret, _, signer := Keys(t)
	base, out := StartExample(t, run, map[string]string{core.EnvSecret: secret, "PORT": "0", "HOST": "127.0.0.1"})
	health, err := http.NewRequest(http.MethodGet, base+"/health", nil)
	if err != nil {
		t.Fatal(err)
	}
	if status, body := Do(t, health); status != http.StatusOK {
		t.Errorf("GET /health: %d %s", status, body)
	}
	for typ, body := range ExampleEvents {
		req := SignedRequest(t, signer, base+"/webhooks/openai", []byte(body))
		if status, answer := Do(t, req); status < 200 || status > 299 || !strings.Contains(answer, `"received":true`) {
			t.Errorf("%s: got %d %s, want 2xx {\"received\":true}", typ, status, answer)
		}
	}
	forged := SignedRequest(t, signer, base+"/webhooks/openai", []byte(ExampleEvents[core.BatchCompleted]))
	forged.Header.Set(core.HeaderSignature, "v1,"+zeroSignature)
	if status, answer := Do(t, forged); status != http.StatusBadRequest || !strings.Contains(answer, `"error"`) {
		t.Errorf("forged delivery: got %d %s, want 400 {\"error\":…}", status, answer)
	}
	for _, want := range wantOutput {
		if !strings.Contains(out(), want) {
			t.Errorf("the output does not contain %q:\n%s", want, out())
		}
	}
}
