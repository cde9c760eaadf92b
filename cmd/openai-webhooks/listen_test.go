package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// listenProcess is `openai-webhooks listen` running as a subprocess.
type listenProcess struct {
	cmd            *exec.Cmd
	stdout, stderr *testkit.LockedBuffer
	done           chan struct{}
	url            string
}

func startListen(t *testing.T, env []string, args ...string) *listenProcess {
	t.Helper()
	p := &listenProcess{stdout: &testkit.LockedBuffer{}, stderr: &testkit.LockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(binary, append([]string{"listen"}, args...)...)
	p.cmd.Env = baseEnv(env...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	const marker = "verifying deliveries at "
	p.waitFor(t, p.stderr, "Ctrl-C stops")
	rest := p.stderr.String()[strings.Index(p.stderr.String(), marker)+len(marker):]
	p.url, _, _ = strings.Cut(rest, "\n")
	return p
}

// waitFor waits until buf holds want, or fails the test after 10 s.
func (p *listenProcess) waitFor(t *testing.T, buf *testkit.LockedBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), want) {
		select {
		case <-p.done:
			t.Fatalf("listen exited before printing %q\n--- stdout\n%s--- stderr\n%s", want, p.stdout, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("listen did not print %q within 10 s\n--- stdout\n%s--- stderr\n%s", want, p.stdout, p.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop sends sig and checks that listen shuts down cleanly with status 0.
func (p *listenProcess) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("listen did not stop within 10 s of %v", sig)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("listen exited %d after %v, want 0\n--- stderr\n%s", code, sig, p.stderr)
	}
	wantContains(t, "listen stderr", p.stderr.String(), "stopping", "stopped")
}

func TestListenSendRoundTrip(t *testing.T) {
	secret := newSecret(t)
	port, err := testkit.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := startListen(t, nil, "--addr", addr, "--secret", secret)
	if want := "http://" + addr + "/webhooks/openai"; p.url != want {
		t.Fatalf("listen URL %q, want %q", p.url, want)
	}
	wantContains(t, "listen stderr", p.stderr.String(), "secret from --secret")

	// A genuine delivery, twice with the same webhook-id.
	r := runCLI(t, "", nil, "send", "--url", p.url, "--secret", secret, "--type", "realtime.call.incoming", "--id", "wh_roundtrip")
	wantCode(t, r, 0)
	wantContains(t, "send", r.stdout, "POST "+p.url, "realtime.call.incoming evt_", "webhook-id wh_roundtrip", `"call_id": "call_`, "200 OK", `{"received":true}`)
	p.waitFor(t, p.stdout, "received  realtime.call.incoming")
	line := lineWith(p.stdout.String(), "received  realtime.call.incoming")
	wantContains(t, "listen line", line, "evt_", "webhook-id wh_roundtrip", `data {"call_id":"call_`, `"sip_headers":[{"name":"From"`)
	if !regexp.MustCompile(` age [01]s `).MatchString(line) {
		t.Errorf("listen line has no age of 0 or 1 s: %s", line)
	}

	r = runCLI(t, "", nil, "send", "--url", p.url, "--secret", secret, "--id", "wh_roundtrip")
	wantCode(t, r, 0)
	wantContains(t, "send duplicate", r.stdout, `"duplicate":true`)
	p.waitFor(t, p.stdout, "duplicate 200  webhook-id wh_roundtrip")

	// The secret from the environment works the same.
	r = runCLI(t, "", []string{core.EnvSecret + "=" + secret}, "send", "--url", p.url, "--type", "batch.failed")
	wantCode(t, r, 0)
	p.waitFor(t, p.stdout, "received  batch.failed")

	// Another secret: 400, exit 1, and listen says why.
	r = runCLI(t, "", nil, "send", "--url", p.url, "--secret", newSecret(t), "--id", "wh_forged")
	wantCode(t, r, 1)
	wantContains(t, "send forged", r.stdout, "400 Bad Request", "no matching webhook signature")
	p.waitFor(t, p.stdout, "rejected  400  webhook-id wh_forged  no matching webhook signature")

	// A stale one.
	r = runCLI(t, "", nil, "send", "--url", p.url, "--secret", secret, "--id", "wh_stale", "--timestamp", strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10))
	wantCode(t, r, 1)
	p.waitFor(t, p.stdout, "rejected  400  webhook-id wh_stale  webhook timestamp too old")

	// Your own body, from a file.
	body := sampleEvent("example.unknown_type", time.Now())
	r = runCLI(t, "", nil, "send", "--url", p.url, "--secret", secret, "--file", writeFile(t, "own.json", body))
	wantCode(t, r, 0)
	p.waitFor(t, p.stdout, "received  example.unknown_type")

	p.stop(t, os.Interrupt)
}

func TestListenDevelopmentSecretJSON(t *testing.T) {
	p := startListen(t, nil, "--addr", "127.0.0.1:0", "--json")
	stderr := p.stderr.String()
	wantContains(t, "listen stderr", stderr, "No secret given", "whsec_")
	sendLine := strings.TrimSpace(lineWith(stderr, " send --url "))
	fields := strings.Fields(sendLine)
	if len(fields) < 2 || fields[0] != binary || fields[1] != "send" {
		t.Fatalf("listen printed the send command %q; want %s send …", sendLine, binary)
	}
	// Run exactly the printed command.
	r := runCLI(t, "", nil, fields[1:]...)
	wantCode(t, r, 0)
	wantContains(t, "send", r.stdout, "200 OK")

	p.waitFor(t, p.stdout, `"outcome":"received"`)
	var got listenLine
	if err := json.Unmarshal([]byte(lineWith(p.stdout.String(), `"outcome":"received"`)), &got); err != nil {
		t.Fatalf("listen --json line: %v\n%s", err, p.stdout)
	}
	if got.Type != string(core.BatchCompleted) || !strings.HasPrefix(got.EventID, "evt_") || !strings.HasPrefix(got.WebhookID, "wh_") ||
		got.AgeSeconds == nil || !strings.Contains(string(got.Data), `"id":"batch_`) || got.Status != 200 {
		t.Fatalf("listen --json line %+v", got)
	}

	// A request that is no delivery at all: a rejection line with the reason.
	resp, err := postRaw(p.url, "not json", map[string]string{"webhook-id": "wh_x"})
	if err != nil {
		t.Fatal(err)
	}
	if resp != 400 {
		t.Fatalf("status %d, want 400", resp)
	}
	p.waitFor(t, p.stdout, `"outcome":"rejected"`)
	var rejected listenLine
	if err := json.Unmarshal([]byte(lineWith(p.stdout.String(), `"outcome":"rejected"`)), &rejected); err != nil {
		t.Fatal(err)
	}
	if rejected.Status != 400 || !strings.Contains(rejected.Error, "webhook-timestamp") || rejected.WebhookID != "wh_x" {
		t.Fatalf("rejected line %+v", rejected)
	}
	p.stop(t, syscall.SIGTERM)
}

func lineWith(text, substr string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, substr) {
			return line
		}
	}
	return ""
}

func postRaw(url, body string, headers map[string]string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
