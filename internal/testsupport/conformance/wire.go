package conformance

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// testWire sends requests that only raw HTTP/1.1 can express, where frameworks
// differ unless the adapter reads headers the same way: only the request's own header
// block counts (never a chunked body's trailer), optional white space around a value is
// trimmed, and a transfer coding other than chunked is refused with 501, as net/http
// refuses it.
func testWire(t *testing.T, f *fixture, m mode) {
	s := f.start(t, m, f.options(m), nil)
	target, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	headerLines := func(r request, skip string) string {
		var b strings.Builder
		for _, name := range []string{core.HeaderID, core.HeaderTimestamp, core.HeaderSignature} {
			if name != skip {
				fmt.Fprintf(&b, "%s: %s\r\n", name, r.header.Get(name))
			}
		}
		return b.String()
	}
	chunk := func(body []byte) string { return fmt.Sprintf("%x\r\n%s\r\n", len(body), body) }

	t.Run("signature only in the chunked trailer", func(t *testing.T) {
		r := f.signed(eventBody("evt_trailer", core.BatchCompleted))
		raw := "Transfer-Encoding: chunked\r\nTrailer: webhook-signature\r\n" + headerLines(r, core.HeaderSignature) + "\r\n" +
			chunk(r.body) + "0\r\n" + core.HeaderSignature + ": " + r.header.Get(core.HeaderSignature) + "\r\n\r\n"
		got := sendRaw(t, target, raw)
		wantError(t, got, http.StatusBadRequest, core.ErrMissingHeader)
		s.wantCalls(t, 0)
	})
	t.Run("a trailer does not replace a header", func(t *testing.T) {
		r := f.signed(eventBody("evt_trailer_2", core.BatchCompleted))
		raw := "Transfer-Encoding: chunked\r\n" + headerLines(r, "") + "\r\n" +
			chunk(r.body) + "0\r\n" + core.HeaderID + ": wh_from_the_trailer\r\n\r\n"
		s.wantAnswered(t, sendRaw(t, target, raw))
		if got := s.rec.all(); len(got) != 1 || got[0].event == nil || got[0].event.WebhookID != r.header.Get(core.HeaderID) {
			t.Fatalf("the application saw %+v; want the webhook-id of the header block", got)
		}
	})
	t.Run("tabs and spaces around header values", func(t *testing.T) {
		r := f.signed(eventBody("evt_ows", core.BatchCompleted))
		var b strings.Builder
		for _, name := range []string{core.HeaderID, core.HeaderTimestamp, core.HeaderSignature} {
			fmt.Fprintf(&b, "%s:\t %s \t\r\n", name, r.header.Get(name))
		}
		raw := fmt.Sprintf("Content-Length: %d\r\n%s\r\n%s", len(r.body), b.String(), r.body)
		s.wantAnswered(t, sendRaw(t, target, raw))
	})
	t.Run("transfer coding other than chunked", func(t *testing.T) {
		r := f.signed(eventBody("evt_gzip", core.BatchCompleted))
		raw := "Transfer-Encoding: gzip, chunked\r\n" + headerLines(r, "") + "\r\n" + chunk(r.body) + "0\r\n\r\n"
		if got := sendRaw(t, target, raw); got.status != http.StatusNotImplemented {
			t.Fatalf("got %d %s, want 501", got.status, got.body)
		}
	})
	s.wantCalls(t, 2)
}

// sendRaw writes a POST of target with the header lines and body in raw (which follow
// the request line and Host) on a new connection, and reads the response.
func sendRaw(t *testing.T, target *url.URL, raw string) response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", target.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	req := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nConnection: close\r\n%s", target.Path, target.Host, raw)
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the response body: %v", err)
	}
	return response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: body}
}
