package fasthttpheaders_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/fasthttpheaders"
)

// serve starts a real fasthttp server on loopback whose handler sends what From read
// from each request to the returned channel, and returns a connection to it.
func serve(t *testing.T) (net.Conn, <-chan core.Headers) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan core.Headers, 8)
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		got <- fasthttpheaders.From(&ctx.Request.Header)
		ctx.SetStatusCode(http.StatusNoContent)
	}}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		if err := srv.Shutdown(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return conn, got
}

// roundTrip writes raw to conn and reads one response, which must be 204.
func roundTrip(t *testing.T, conn net.Conn, br *bufio.Reader, raw string) {
	t.Helper()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("the server answered %d, want 204", resp.StatusCode)
	}
}

func TestFromReadsTheHeaderBlockOnly(t *testing.T) {
	conn, got := serve(t)
	br := bufio.NewReader(conn)
	tests := []struct {
		name string
		raw  string
		want core.Headers
	}{
		{
			name: "Content-Length",
			raw:  "POST /w HTTP/1.1\r\nHost: x\r\nwebhook-id: wh_1\r\nwebhook-timestamp: 1750861210\r\nwebhook-signature: v1,abc\r\nContent-Length: 2\r\n\r\n{}",
			want: core.Headers{ID: "wh_1", Timestamp: "1750861210", Signature: "v1,abc"},
		},
		{
			name: "any letter case, first value counts",
			raw:  "POST /w HTTP/1.1\r\nHost: x\r\nWEBHOOK-ID: wh_2\r\nWebhook-Id: wh_other\r\nwebhook-Timestamp: 1\r\nwebhook-signature: v1,first\r\nwebhook-signature: v1,second\r\nContent-Length: 0\r\n\r\n",
			want: core.Headers{ID: "wh_2", Timestamp: "1", Signature: "v1,first"},
		},
		{
			name: "signature only in the trailers",
			raw:  "POST /w HTTP/1.1\r\nHost: x\r\nwebhook-id: wh_3\r\nwebhook-timestamp: 1750861210\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nwebhook-signature: v1,fromtrailer\r\n\r\n",
			want: core.Headers{ID: "wh_3", Timestamp: "1750861210"},
		},
		{
			name: "trailers repeat every header",
			raw:  "POST /w HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nwebhook-id: wh_4\r\nwebhook-timestamp: 1750861210\r\nwebhook-signature: v1,header\r\n\r\n2\r\n{}\r\n0\r\nwebhook-id: wh_trailer\r\nwebhook-timestamp: 1\r\nwebhook-signature: v1,trailer\r\n\r\n",
			want: core.Headers{ID: "wh_4", Timestamp: "1750861210", Signature: "v1,header"},
		},
		{
			name: "empty chunked body, headers only in the trailers",
			raw:  "POST /w HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nwebhook-id: wh_5\r\nwebhook-timestamp: 1\r\nwebhook-signature: v1,trailer\r\n\r\n",
			want: core.Headers{},
		},
	}
	var kept []core.Headers
	for _, tc := range tests {
		roundTrip(t, conn, br, tc.raw)
		h := <-got
		if h != tc.want {
			t.Fatalf("%s: From read %+v, want %+v", tc.name, h, tc.want)
		}
		kept = append(kept, h)
	}
	// The server has reused its buffers for every later request on the connection: what
	// From returned must not have changed.
	for i, tc := range tests {
		if kept[i] != tc.want {
			t.Fatalf("%s: after later requests the headers read are %+v, want %+v", tc.name, kept[i], tc.want)
		}
	}
}

func TestFromRequestNotFromTheWire(t *testing.T) {
	var req fasthttp.Request
	req.Header.Set(core.HeaderID, "wh_built")
	req.Header.Set(core.HeaderTimestamp, "1750861210")
	req.Header.Set(core.HeaderSignature, "v1,built")
	want := core.Headers{ID: "wh_built", Timestamp: "1750861210", Signature: "v1,built"}
	if got := fasthttpheaders.From(&req.Header); got != want {
		t.Fatalf("From read %+v, want %+v", got, want)
	}
	if got := fasthttpheaders.From(&fasthttp.RequestHeader{}); got != (core.Headers{}) {
		t.Fatalf("From of no headers read %+v, want none", got)
	}
}
