package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/receive"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// now is the verifier's fixed clock: time edges are exact.
var now = time.Unix(1750861210, 0)

// fixture holds what every case shares: the endpoint's secret and verifier, a signer of
// another secret, and the log every server writes to.
type fixture struct {
	secret   string
	verifier *core.Verifier
	signer   *core.Signer
	other    *core.Signer
	ids      atomic.Int64

	logs   testkit.LockedBuffer
	logger *slog.Logger
	mu     sync.Mutex
	sigs   []string // every valid signature sent, none of which may be logged
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{}
	f.secret = mustSecret(t)
	var err error
	if f.verifier, err = core.NewVerifier(f.secret, core.WithClock(func() time.Time { return now })); err != nil {
		t.Fatal(err)
	}
	if f.signer, err = core.NewSigner(f.secret); err != nil {
		t.Fatal(err)
	}
	if f.other, err = core.NewSigner(mustSecret(t)); err != nil {
		t.Fatal(err)
	}
	f.logger = slog.New(slog.NewTextHandler(&f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return f
}

func mustSecret(t *testing.T) string {
	t.Helper()
	s, err := core.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkLogs fails when the log holds the secret or any valid signature sent.
func (f *fixture) checkLogs(t *testing.T) {
	logs := f.logs.String()
	if logs == "" {
		t.Error("nothing was logged; rejected deliveries must be logged")
	}
	key := strings.TrimPrefix(f.secret, "whsec_")
	if strings.Contains(logs, key) {
		t.Error("the log contains the secret")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, sig := range f.sigs {
		if strings.Contains(logs, strings.TrimPrefix(sig, "v1,")) {
			t.Errorf("the log contains the signature %s", sig)
		}
	}
}

// options are those of a server of m: a fresh memory store when m is idempotent.
func (f *fixture) options(m mode) Options {
	if m.idempotent {
		return f.withStore(idempotency.NewMemoryStore())
	}
	return Options{Logger: f.logger}
}

func (f *fixture) withStore(store idempotency.Store) Options {
	return Options{Logger: f.logger, Store: store}
}

// request is one delivery to send.
type request struct {
	body    []byte
	header  http.Header // the webhook headers; a missing key is not sent
	chunked bool        // send without Content-Length
}

func (f *fixture) nextID() string { return fmt.Sprintf("wh_conformance_%06d", f.ids.Add(1)) }

// signedBy returns a delivery of body signed by s with timestamp ts and a fresh id.
func (f *fixture) signedBy(s *core.Signer, ts time.Time, body []byte) request {
	h := s.Headers(f.nextID(), ts, body)
	if s == f.signer {
		f.mu.Lock()
		f.sigs = append(f.sigs, h.Signature)
		f.mu.Unlock()
	}
	header := http.Header{}
	h.Set(header)
	return request{body: body, header: header}
}

// signed returns a genuine delivery of body.
func (f *fixture) signed(body []byte) request { return f.signedBy(f.signer, now, body) }

func (r request) with(name, value string) request {
	r.header = r.header.Clone()
	r.header.Set(name, value)
	return r
}

func (r request) without(name string) request {
	r.header = r.header.Clone()
	r.header.Del(name)
	return r
}

func eventBody(id string, t core.EventType) []byte {
	return fmt.Appendf(nil, `{"id":%q,"object":"event","created_at":%d,"type":%q,"data":{"id":"obj_%s"}}`, id, now.Unix()-2, t, id)
}

// paddedEvent returns a valid batch.completed event of exactly size bytes.
func paddedEvent(size int) []byte {
	const head, tail = `{"id":"evt_pad","object":"event","created_at":1750861208,"type":"batch.completed","data":{"id":"batch_1"},"pad":"`, `"}`
	pad := size - len(head) - len(tail)
	if pad < 0 {
		panic("conformance: padded event too small")
	}
	return []byte(head + strings.Repeat("x", pad) + tail)
}

// response is what came back over the wire.
type response struct {
	status      int
	contentType string
	body        []byte
}

// client sends requests to one endpoint.
type client struct {
	url string
	hc  *http.Client
}

func newClient(t *testing.T, url string) *client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{url: url, hc: &http.Client{Transport: tr, Timeout: 20 * time.Second}}
}

func (c *client) send(t *testing.T, r request) response {
	t.Helper()
	got, err := c.do(r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// sendAll sends every request at once and returns the responses in order.
func (c *client) sendAll(t *testing.T, reqs []request) []response {
	t.Helper()
	got := make([]response, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, r := range reqs {
		wg.Go(func() {
			<-start
			got[i], errs[i] = c.do(r)
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return got
}

func (c *client) do(r request) (response, error) {
	var body io.Reader = bytes.NewReader(r.body)
	if r.chunked {
		body = io.MultiReader(body) // hides the length: sent chunked
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, c.url, body)
	if err != nil {
		return response{}, err
	}
	for name, values := range r.header {
		req.Header[name] = values
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("POST %s: %w", c.url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("reading the response: %w", err)
	}
	return response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b}, nil
}

// wantJSON checks an answer of the adapter itself: status and exactly body.
func wantJSON(t *testing.T, got response, status int, body string) {
	t.Helper()
	if got.status != status || string(got.body) != body {
		t.Fatalf("got %d %s, want %d %s", got.status, got.body, status, body)
	}
	wantJSONType(t, got)
}

// wantError checks a refusal: status and {"error":"…"}. A 400 or 413 names the sentinel
// (it restates what the sender sent); any other status answers the fixed public message
// for the sentinel, and never the internal detail (a handler's error, a store's address).
func wantError(t *testing.T, got response, status int, sentinel error) {
	t.Helper()
	if got.status != status {
		t.Fatalf("got status %d (%s), want %d", got.status, got.body, status)
	}
	wantJSONType(t, got)
	var body map[string]any
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatalf("the body %q is not JSON: %v", got.body, err)
	}
	msg, ok := body["error"].(string)
	if len(body) != 1 || !ok || msg == "" {
		t.Fatalf(`the body is %s, want {"error":"…"}`, got.body)
	}
	for _, internal := range []string{errApplication.Error(), errUnreachable.Error(), "127.0.0.1"} {
		if strings.Contains(msg, internal) {
			t.Fatalf("the reply %q to the sender carries the internal detail %q", msg, internal)
		}
	}
	switch {
	case sentinel == nil:
	case status == http.StatusBadRequest || status == http.StatusRequestEntityTooLarge:
		if !strings.Contains(msg, sentinel.Error()) {
			t.Fatalf("the error %q does not say %q", msg, sentinel)
		}
	default:
		if want := receive.PublicMessage(sentinel); msg != want {
			t.Fatalf("the error %q is not the fixed message %q", msg, want)
		}
	}
}

func wantJSONType(t *testing.T, got response) {
	t.Helper()
	if !strings.HasPrefix(got.contentType, "application/json") {
		t.Fatalf("Content-Type is %q, want application/json", got.contentType)
	}
}
