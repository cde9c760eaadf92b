package fasthttpheaders_test

import (
	"bufio"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/webhookkit/openai-webhooks/internal/fasthttpheaders"
)

// BenchmarkFrom reads the three headers of a request parsed from the wire, with the
// headers Go's HTTP client sends, with Content-Length and chunked.
func BenchmarkFrom(b *testing.B) {
	b.Run("Content-Length", func(b *testing.B) { benchFrom(b, "Content-Length: 400") })
	b.Run("chunked", func(b *testing.B) { benchFrom(b, "Transfer-Encoding: chunked") })
}

func benchFrom(b *testing.B, length string) {
	raw := "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:40000\r\nUser-Agent: Go-http-client/1.1\r\n" + length + "\r\n" +
		"Content-Type: application/json\r\nWebhook-Id: wh_0123456789abcdef0123456789abcdef\r\nWebhook-Signature: v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=\r\n" +
		"Webhook-Timestamp: 1750861210\r\nAccept-Encoding: gzip\r\n\r\n"
	var h fasthttp.RequestHeader
	if err := h.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if got := fasthttpheaders.From(&h); got.Timestamp != "1750861210" {
			b.Fatalf("read %+v", got)
		}
	}
}
