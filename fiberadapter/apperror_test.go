package fiberadapter_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberadapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// TestAppErrorHandler: the refusals fiber makes before any handler runs, and errors
// handlers return, are answered with {"error":"…"} and the right status, never in plain
// text and never with the error's own text.
func TestAppErrorHandler(t *testing.T) {
	_, v, _ := conformance.Keys(t)
	app := fiber.New(fiber.Config{
		BodyLimit:             1024,
		ReadTimeout:           300 * time.Millisecond,
		ErrorHandler:          fiberadapter.AppErrorHandler,
		DisableStartupMessage: true,
	})
	app.Post("/webhook", fiberadapter.Handler(v, core.NewMux()))
	app.Get("/fails", func(*fiber.Ctx) error { return errors.New("postgres://app:hunter2@db/billing is down") })
	app.Get("/teapot", func(*fiber.Ctx) error { return fiber.NewError(http.StatusTeapot, "internal detail") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	addr := ln.Addr().String()

	tests := []struct {
		name   string
		raw    string
		status int
		msg    string
	}{
		{"body over BodyLimit", fmt.Sprintf("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n%s", strings.Repeat("x", 4096)), 413, "the request body is over the server's limit"},
		{"malformed request", "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n", 400, "malformed HTTP request"},
		{"handler error", "GET /fails HTTP/1.1\r\nHost: x\r\n\r\n", 500, "internal server error"},
		{"fiber.Error", "GET /teapot HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusTeapot, "i'm a teapot"},
		{"route not found", "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n", 404, "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, contentType, body := rawRoundTrip(t, addr, tc.raw)
			if status != tc.status || !strings.HasPrefix(contentType, "application/json") {
				t.Fatalf("got %d %q %s, want %d JSON", status, contentType, body, tc.status)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(body), &got); err != nil || got["error"] != tc.msg || len(got) != 1 {
				t.Fatalf(`body %s, want {"error":%q}`, body, tc.msg)
			}
		})
	}
	t.Run("read timeout", func(t *testing.T) {
		// Headers promise a body that never comes.
		status, contentType, body := rawRoundTrip(t, addr, "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
		if status != http.StatusRequestTimeout || !strings.HasPrefix(contentType, "application/json") || !strings.Contains(body, "timed out") {
			t.Fatalf("got %d %q %s, want 408 JSON", status, contentType, body)
		}
	})
}

func rawRoundTrip(t *testing.T, addr, raw string) (status int, contentType, body string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}
