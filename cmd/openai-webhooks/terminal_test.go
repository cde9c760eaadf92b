package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// TestListenPrintsNoControlCharacters: whoever finds the tunnel's URL chooses the path
// and the headers of what listen prints; a terminal must never receive their escape
// sequences (retitling the window, clearing the screen, or worse), in C0 (ESC, BEL,
// sent percent-encoded in the path) or C1 form (U+009B, a CSI, in a header).
func TestListenPrintsNoControlCharacters(t *testing.T) {
	secret := newSecret(t)
	v, err := core.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	var out testkit.LockedBuffer
	rcv, _ := newListenParts(listenOptions{path: "/webhooks/openai"}, secret, v, nil, &out, &out, time.Now)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(rcv)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	for _, raw := range []string{
		"POST /x%1b]0;pwned%07%1b[2J%0a%e2%80%ae HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
		"POST /webhooks/openai HTTP/1.1\r\nHost: a\r\nwebhook-id: wh\xc2\x9b31mred\xe2\x80\xae\r\nwebhook-timestamp: 1\r\nwebhook-signature: v1,x\r\nContent-Length: 2\r\n\r\n{}",
	} {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, raw)
		if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines (one ignored, one rejected), got %d:\n%q", len(lines), out.String())
	}
	for _, line := range lines {
		for _, r := range line {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				t.Errorf("listen printed %U from the sender in %q", r, line)
			}
		}
	}
	wantContains(t, "listen's output", out.String(), `/x\x1b]0;pwned\x07\x1b[2J\x0a\u202e`, `wh\u009b31mred\u202e`)
}

// TestReplayPrintsNoControlCharacters: a capture file holds what a sender chose; replay's
// line about it must not pass its escape sequences to the terminal.
func TestReplayPrintsNoControlCharacters(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
	}))
	t.Cleanup(app.Close)
	file := filepath.Join(t.TempDir(), "hostile.http")
	raw := "POST /webhooks/openai HTTP/1.1\r\nHost: a\r\nwebhook-id: wh\xc2\x9b2J\xe2\x80\xae\r\nwebhook-timestamp: 1\r\nwebhook-signature: v1,x\r\nContent-Length: 2\r\n\r\n{}"
	if err := os.WriteFile(file, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", nil, "replay", file, "--to", app.URL)
	wantCode(t, r, 1)
	for _, c := range r.stdout {
		if (unicode.IsControl(c) && c != '\n') || unicode.Is(unicode.Bidi_Control, c) {
			t.Fatalf("replay printed %U from the capture file:\n%q", c, r.stdout)
		}
	}
	wantContains(t, "replay's output", r.stdout, `webhook-id wh\u009b2J\u202e  as captured  400 Bad Request`)
}

// TestVerifyPrintsNoControlCharacters: verify --request reads a capture, whose headers a
// sender chose; its report quotes them, escaped.
func TestVerifyPrintsNoControlCharacters(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hostile.http")
	raw := "POST /webhooks/openai HTTP/1.1\r\nHost: a\r\nwebhook-id: wh\xc2\x9b2J\xe2\x80\xae\r\nwebhook-timestamp: 1\xc2\x9b\r\nwebhook-signature: v1,x\xc2\x9b\r\nContent-Length: 2\r\n\r\n{}"
	if err := os.WriteFile(file, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", nil, "verify", "--request", file, "--secret", newSecret(t))
	wantCode(t, r, 1)
	for _, c := range r.stdout + r.stderr {
		if (unicode.IsControl(c) && c != '\n') || unicode.Is(unicode.Bidi_Control, c) {
			t.Fatalf("verify printed %U from the request file:\n%s", c, r.stdout+r.stderr)
		}
	}
	wantContains(t, "verify's report", r.stdout, `wh\u009b2J\u202e`)
}
