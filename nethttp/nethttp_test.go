package nethttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newVerifier(t *testing.T) *core.Verifier {
	t.Helper()
	v, err := core.NewVerifier(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// signedRequest builds a delivery of body signed with testSecret, now.
func signedRequest(t *testing.T, url, body string) *http.Request {
	t.Helper()
	s, err := core.NewSigner(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return conformance.SignedRequest(t, s, url, []byte(body))
}

const batchEvent = `{"id":"evt_1","object":"event","created_at":1750861210,"type":"batch.completed","data":{"id":"batch_1"}}`

func TestMiddlewareRestoresBodyForNextHandler(t *testing.T) {
	var seen struct {
		body, again   string
		contentLength int64
		event         *core.Event
		fromCore      bool
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen.body = string(b)
		seen.contentLength = r.ContentLength
		if r.GetBody != nil {
			rc, _ := r.GetBody()
			again, _ := io.ReadAll(rc)
			seen.again = string(again)
		}
		seen.event, _ = nethttp.EventFrom(r)
		_, seen.fromCore = core.FromContext(r.Context())
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(nethttp.Middleware(newVerifier(t), nethttp.WithLogger(quiet))(next))
	defer srv.Close()

	status, _ := conformance.Do(t, signedRequest(t, srv.URL, batchEvent))
	if status != http.StatusNoContent {
		t.Fatalf("status %d, want the next handler's 204", status)
	}
	if seen.body != batchEvent || seen.again != batchEvent {
		t.Fatalf("next handler read %q and GetBody gave %q, want the raw body both times", seen.body, seen.again)
	}
	if seen.contentLength != int64(len(batchEvent)) {
		t.Fatalf("ContentLength %d, want %d", seen.contentLength, len(batchEvent))
	}
	if seen.event == nil || seen.event.Type != core.BatchCompleted || seen.event.ID != "evt_1" || !seen.fromCore {
		t.Fatalf("event not in context: %+v (core.FromContext ok=%v)", seen.event, seen.fromCore)
	}
}

func TestMiddlewareRejectsWithoutCallingNext(t *testing.T) {
	called := false
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })
	srv := httptest.NewServer(nethttp.Middleware(newVerifier(t), nethttp.WithLogger(quiet))(next))
	defer srv.Close()

	req := signedRequest(t, srv.URL, batchEvent)
	req.Header.Set(core.HeaderSignature, "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	status, body := conformance.Do(t, req)
	if status != http.StatusBadRequest || called {
		t.Fatalf("status %d (next called: %v), want 400 without next", status, called)
	}
	var answer struct{ Error string }
	if err := json.Unmarshal([]byte(body), &answer); err != nil || !strings.Contains(answer.Error, "no matching webhook signature") {
		t.Fatalf("body %q, want {\"error\":\"no matching webhook signature…\"}", body)
	}
}

func TestStreamedBodyOverLimitIs413(t *testing.T) {
	srv := httptest.NewServer(nethttp.Middleware(newVerifier(t), nethttp.WithMaxBodyBytes(64), nethttp.WithLogger(quiet))(
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("next called for an oversized body") })))
	defer srv.Close()

	body := strings.Repeat("x", 65)
	req := signedRequest(t, srv.URL, body)
	req.Body = io.NopCloser(io.MultiReader(strings.NewReader(body))) // hides the length: chunked
	req.ContentLength = -1
	if status, resp := conformance.Do(t, req); status != http.StatusRequestEntityTooLarge || !strings.Contains(resp, "too large") {
		t.Fatalf("chunked: status %d %s, want 413", status, resp)
	}
	if status, _ := conformance.Do(t, signedRequest(t, srv.URL, body)); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("with Content-Length: status %d, want 413", status)
	}
}

func TestHandlerAnswersAndPropagatesHandlerErrors(t *testing.T) {
	mux := core.NewMux()
	mux.OnFunc(core.BatchCompleted, func(context.Context, *core.Event) error { return nil })
	mux.OnFunc(core.BatchFailed, func(context.Context, *core.Event) error { return errors.New("database down") })
	var log bytes.Buffer
	srv := httptest.NewServer(nethttp.Handler(newVerifier(t), mux, nethttp.WithLogger(slog.New(slog.NewTextHandler(&log, nil)))))
	defer srv.Close()

	if status, body := conformance.Do(t, signedRequest(t, srv.URL, batchEvent)); status != 200 || body != `{"received":true}` {
		t.Fatalf("got %d %s, want 200 {\"received\":true}", status, body)
	}
	failing := strings.Replace(batchEvent, "batch.completed", "batch.failed", 1)
	if status, body := conformance.Do(t, signedRequest(t, srv.URL, failing)); status != 500 || strings.Contains(body, "database down") {
		t.Fatalf("got %d %s, want 500 without the handler's error, which is internal", status, body)
	}
	if !strings.Contains(log.String(), "database down") {
		t.Fatalf("the log does not name the handler's error:\n%s", log.String())
	}
}

func TestErrorHandlerReceivesStatusAndSentinel(t *testing.T) {
	var gotStatus int
	var gotErr error
	onError := func(w http.ResponseWriter, _ *http.Request, status int, err error) {
		gotStatus, gotErr = status, err
		http.Error(w, "custom", status)
	}
	srv := httptest.NewServer(nethttp.Middleware(newVerifier(t), nethttp.WithErrorHandler(onError), nethttp.WithLogger(quiet))(http.NotFoundHandler()))
	defer srv.Close()

	req := signedRequest(t, srv.URL, batchEvent)
	req.Header.Del(core.HeaderTimestamp)
	status, body := conformance.Do(t, req)
	if status != 400 || strings.TrimSpace(body) != "custom" || gotStatus != 400 || !errors.Is(gotErr, core.ErrMissingHeader) {
		t.Fatalf("got %d %q, handler saw %d %v; want the custom 400 with ErrMissingHeader", status, body, gotStatus, gotErr)
	}
}

func TestLogsNeverContainSecretOrSignature(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	srv := httptest.NewServer(nethttp.Middleware(newVerifier(t), nethttp.WithLogger(logger))(http.NotFoundHandler()))
	defer srv.Close()

	req := signedRequest(t, srv.URL, batchEvent)
	req.Body = io.NopCloser(strings.NewReader(batchEvent + " "))
	req.ContentLength++
	signature := req.Header.Get(core.HeaderSignature)
	if status, _ := conformance.Do(t, req); status != 400 {
		t.Fatalf("status %d, want 400 for a tampered body", status)
	}
	out := logs.String()
	if !strings.Contains(out, "delivery rejected") {
		t.Fatalf("no rejection logged: %s", out)
	}
	if strings.Contains(out, strings.TrimPrefix(signature, "v1,")) || strings.Contains(out, strings.TrimPrefix(testSecret, "whsec_")) {
		t.Fatalf("log leaks the signature or secret: %s", out)
	}
}

func TestNilVerifierPanicsAtSetUp(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Middleware(nil) did not panic at set-up")
		}
	}()
	nethttp.Middleware(nil)
}

// An error handler that only observes can delegate the answer to WriteError.
func TestErrorHandlerCanDelegateToWriteError(t *testing.T) {
	var observed []int
	observe := func(w http.ResponseWriter, r *http.Request, status int, err error) {
		observed = append(observed, status)
		nethttp.WriteError(w, r, status, err)
	}
	srv := httptest.NewServer(nethttp.Middleware(newVerifier(t), nethttp.WithErrorHandler(observe), nethttp.WithLogger(quiet))(http.NotFoundHandler()))
	defer srv.Close()

	req := signedRequest(t, srv.URL, batchEvent)
	req.Header.Set(core.HeaderTimestamp, "soon")
	status, body := conformance.Do(t, req)
	if status != 400 || !strings.HasPrefix(body, `{"error":"invalid webhook timestamp`) || len(observed) != 1 || observed[0] != 400 {
		t.Fatalf("got %d %s (observed %v), want the default 400 JSON answer after observing it", status, body, observed)
	}
}

// math.MaxInt64 as "no limit" and a hand-built request without a body must not panic.
func TestUnlimitedBodyAndNilBody(t *testing.T) {
	h := nethttp.Middleware(newVerifier(t), nethttp.WithMaxBodyBytes(math.MaxInt64), nethttp.WithLogger(quiet))(
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))

	req := signedRequest(t, "http://example.com/", batchEvent)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusNoContent {
		t.Fatalf("MaxInt64 limit: status %d %s, want the next handler's 204", w.Code, w.Body)
	}

	req = signedRequest(t, "http://example.com/", batchEvent)
	req.Body = nil
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "no matching webhook signature") {
		t.Fatalf("nil body: %d %s, want 400 (the empty body does not match the signature)", w.Code, w.Body)
	}
}
