package capture_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/internal/capture"
)

func TestParseBodyLength(t *testing.T) {
	head := "POST / HTTP/1.1\r\nContent-Length: 4\r\nwebhook-id: x\r\n\r\n"
	for _, tc := range []struct{ raw, body, note string }{
		{head + "abcd", "abcd", ""},
		{head + "abcd\n", "abcd", "left out"},
		{head + "ab", "ab", "shorter than its Content-Length"},
		{head + "abcdef", "abcdef", "longer than its Content-Length"},
		{"POST / HTTP/1.1\nwebhook-id: x\n\nno length\n", "no length\n", ""},
		{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", "abcde", "chunked"},
	} {
		got, err := capture.Parse([]byte(tc.raw))
		if err != nil {
			t.Fatalf("%q: %v", tc.raw, err)
		}
		if string(got.Body) != tc.body {
			t.Errorf("%q: body %q, want %q", tc.raw, got.Body, tc.body)
		}
		if notes := strings.Join(got.Notes, " "); !strings.Contains(notes, tc.note) {
			t.Errorf("%q: notes %q, want %q", tc.raw, notes, tc.note)
		}
	}
}

func TestParseRefusesWhatIsNotARequest(t *testing.T) {
	for _, raw := range []string{"", "hello world\n", "{\"id\": 1}\n", "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\nabc"} {
		if _, err := capture.Parse([]byte(raw)); err == nil {
			t.Errorf("Parse(%q): no error", raw)
		}
	}
}

// Format and Parse agree: what listen writes, replay and verify --request read back.
func TestFormatParseRoundTrip(t *testing.T) {
	r := capture.Request{Method: http.MethodPost, URI: "/hooks?x=1", Host: "localhost:3000",
		Header: http.Header{"Webhook-Id": {"wh_1"}, "Content-Type": {"application/json"}, "Content-Length": {"999"}},
		Body:   []byte("{\"a\":\n1}\r\n")}
	got, err := capture.Parse(capture.Format(r))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Body, r.Body) || got.Header.Get("Webhook-Id") != "wh_1" || got.Header.Get("Content-Length") != "10" || len(got.Notes) != 0 {
		t.Fatalf("read back %+v", got)
	}
}

// A second listen on the same directory numbers after the files already there, so ls
// keeps listing in arrival order; a webhook-id cannot escape the directory.
func TestDirNumberingContinues(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"000007-20260101T000000.000Z-wh_a.http", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := capture.OpenDir(dir, capture.DefaultRefusedBudget)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	path, err := c.Save(1, at, capture.Request{Method: http.MethodPost, URI: "/hooks", Header: http.Header{"Webhook-Id": {"wh_../../x y"}}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "000008-20261206T100000.000Z-wh_xy.http"); path != want {
		t.Fatalf("saved as %s, want %s", path, want)
	}
	files, err := capture.Files([]string{dir})
	if err != nil || len(files) != 2 || files[1] != path {
		t.Fatalf("Files = %v, %v", files, err)
	}
}

// Refused deliveries' captures stay within the budget, the oldest removed first;
// verified ones are all kept.
func TestDirRefusedBudget(t *testing.T) {
	dir := t.TempDir()
	const budget = 10 << 10
	c, err := capture.OpenDir(dir, budget)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	body := bytes.Repeat([]byte("x"), 3000)
	var refused []string
	for n := int64(1); n <= 12; n++ {
		req := capture.Request{Header: http.Header{"Webhook-Id": {fmt.Sprint("wh_", n)}}, Body: body}
		path, err := c.Save(n, at, req, n%3 != 0) // every third one verified
		if err != nil || path == "" {
			t.Fatalf("Save #%d: %q, %v", n, path, err)
		}
		if n%3 != 0 {
			refused = append(refused, path)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var refusedBytes int64
	for i, p := range refused {
		fi, err := os.Stat(p)
		if err != nil {
			if i >= len(refused)-3 {
				t.Errorf("a recent refused capture %s was removed", p)
			}
			continue
		}
		refusedBytes += fi.Size()
		if i < len(refused)-3 {
			t.Errorf("an old refused capture %s was kept beyond the budget", p)
		}
	}
	if refusedBytes > budget {
		t.Errorf("refused captures hold %d bytes, over the budget of %d", refusedBytes, budget)
	}
	if len(entries) != 4+3 {
		t.Errorf("%d files kept, want the 4 verified and the 3 newest refused", len(entries))
	}

	// A capture larger than the whole budget is not written; none with a budget of 0.
	if path, err := c.Save(13, at, capture.Request{Body: bytes.Repeat([]byte("y"), budget+1)}, true); path != "" || err != nil {
		t.Errorf("an oversized refused capture: %q, %v", path, err)
	}
	none, err := capture.OpenDir(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if path, err := none.Save(1, at, capture.Request{Body: []byte("{}")}, true); path != "" || err != nil {
		t.Errorf("budget 0: %q, %v", path, err)
	}
}
