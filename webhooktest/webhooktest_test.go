package webhooktest_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

// readRequest returns the body and headers of r as a handler would read them.
func readRequest(t *testing.T, r *http.Request) ([]byte, http.Header) {
	t.Helper()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body, r.Header
}

func TestNewRequestVerifies(t *testing.T) {
	sender := webhooktest.NewSender()
	r := sender.NewRequest("/webhooks/openai", core.BatchCompleted, core.BatchData{ID: "batch_1"})
	if r.Method != http.MethodPost || r.URL.Path != "/webhooks/openai" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %s, Content-Type %q", r.Method, r.URL, r.Header.Get("Content-Type"))
	}
	body, h := readRequest(t, r)
	e, err := sender.Verifier().UnwrapHTTP(body, h)
	if err != nil {
		t.Fatalf("UnwrapHTTP: %v", err)
	}
	data, err := core.DecodeData[core.BatchData](e)
	if err != nil || data.ID != "batch_1" {
		t.Fatalf("data = %+v, %v", data, err)
	}
	if e.Object != "event" || !strings.HasPrefix(e.ID, "evt_") || !strings.HasPrefix(e.WebhookID, "wh_") {
		t.Errorf("event %+v: want object event, an evt_ id and a wh_ webhook-id", e)
	}
	if age := time.Since(e.Timestamp); age < -time.Second || age > time.Minute {
		t.Errorf("timestamp %v is not now", e.Timestamp)
	}
	if e.CreatedAt != e.Timestamp.Unix() {
		t.Errorf("created_at %d, timestamp %d: want the same by default", e.CreatedAt, e.Timestamp.Unix())
	}

	// Every delivery is new: another webhook-id and event id.
	again, _ := readRequest(t, sender.NewRequest("/", core.BatchCompleted, core.BatchData{ID: "batch_1"}))
	e2, err := core.ParseEvent(again)
	if err != nil || e2.ID == e.ID {
		t.Errorf("second delivery %v, %v: want another event id", e2, err)
	}
}

// The signature is the Standard Webhooks v1 scheme, checked here without package core.
func TestSignatureIsStandardWebhooks(t *testing.T) {
	sender := webhooktest.NewSender()
	d := sender.Delivery(core.ResponseCompleted, core.ResponseData{ID: "resp_1"})
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sender.Secret(), "whsec_"))
	if err != nil || len(key) != 32 {
		t.Fatalf("secret %q: %d bytes, %v", sender.Secret(), len(key), err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(d.Headers.ID + "." + d.Headers.Timestamp + "."))
	mac.Write(d.Body)
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); d.Headers.Signature != want {
		t.Errorf("signature %q, want %q", d.Headers.Signature, want)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(d.Body, &body); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"object": `"event"`, "type": `"response.completed"`, "data": `{"id":"resp_1"}`} {
		if string(body[k]) != want {
			t.Errorf("%s = %s, want %s", k, body[k], want)
		}
	}
	h := d.Header()
	if h.Get(core.HeaderID) != d.Headers.ID || h.Get(core.HeaderTimestamp) != d.Headers.Timestamp || h.Get(core.HeaderSignature) != d.Headers.Signature {
		t.Errorf("Header() = %v, want the three headers of %+v", h, d.Headers)
	}
}

func TestOptions(t *testing.T) {
	sender := webhooktest.NewSender()
	sent := time.Date(2025, 6, 25, 14, 20, 10, 0, time.UTC)
	created := sent.Add(-time.Minute)
	d := sender.Delivery(core.BatchFailed, core.BatchData{ID: "batch_2"},
		webhooktest.WithWebhookID("wh_fixed"), webhooktest.WithTimestamp(sent),
		webhooktest.WithEventID("evt_fixed"), webhooktest.WithCreatedAt(created))
	if d.Headers.ID != "wh_fixed" || d.Headers.Timestamp != "1750861210" {
		t.Errorf("headers %+v", d.Headers)
	}
	// Sent long ago: refused as stale now, accepted at the time it was sent.
	if err := sender.Verifier().Verify(d.Body, d.Headers); !errors.Is(err, core.ErrTimestampTooOld) {
		t.Errorf("a delivery sent in 2025, verified now: %v, want ErrTimestampTooOld", err)
	}
	e, err := sender.Verifier(core.WithClock(func() time.Time { return sent })).Unwrap(d.Body, d.Headers)
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != "evt_fixed" || e.WebhookID != "wh_fixed" || e.CreatedAt != created.Unix() || !e.Timestamp.Equal(sent) {
		t.Errorf("event %+v", e)
	}
	// The same webhook-id twice: what a retry looks like.
	retry := sender.Delivery(core.BatchFailed, core.BatchData{ID: "batch_2"}, webhooktest.WithWebhookID("wh_fixed"))
	if retry.Headers.ID != "wh_fixed" {
		t.Errorf("retry webhook-id %q", retry.Headers.ID)
	}
	// A zero Option changes nothing.
	if d := sender.Delivery(core.BatchFailed, core.BatchData{}, webhooktest.HeaderOption{}, webhooktest.EventOption{}, nil); d.Headers.ID == "" {
		t.Error("zero Option: no webhook-id")
	}
}

func TestUnknownTypeAndRawData(t *testing.T) {
	sender := webhooktest.NewSender()
	for name, data := range map[string]any{
		"raw JSON": json.RawMessage(`{"widget": "w1"}`),
		"map":      map[string]string{"widget": "w1"},
	} {
		d := sender.Delivery("example.future_type", data)
		e, err := sender.Verifier().Unwrap(d.Body, d.Headers)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if e.Type != "example.future_type" || string(e.Data) != `{"widget":"w1"}` {
			t.Errorf("%s: %s %s", name, e.Type, e.Data)
		}
	}
}

func TestSignBody(t *testing.T) {
	sender := webhooktest.NewSender()
	body := []byte(`{"id": "evt_1", "object": "event", "type": "batch.completed", "data": {"id": "b"}}` + "\n")
	d := sender.SignBody(body, webhooktest.WithWebhookID("wh_body"))
	body[0] = 'X' // the delivery keeps its own copy
	if !bytes.HasPrefix(d.Body, []byte(`{"id": "evt_1"`)) || d.Headers.ID != "wh_body" {
		t.Fatalf("delivery %q %+v", d.Body, d.Headers)
	}
	if err := sender.Verifier().Verify(d.Body, d.Headers); err != nil {
		t.Errorf("Verify: %v", err)
	}
	// A body that is no event is signed all the same, and refused after verification.
	bad := sender.SignBody([]byte(`[1,2]`))
	if _, err := sender.Verifier().Unwrap(bad.Body, bad.Headers); !errors.Is(err, core.ErrMalformedEvent) {
		t.Errorf("Unwrap of a signed non-event: %v, want ErrMalformedEvent", err)
	}
}

func TestSecrets(t *testing.T) {
	a, b := webhooktest.NewSender(), webhooktest.NewSender()
	if a.Secret() == b.Secret() || !strings.HasPrefix(a.Secret(), "whsec_") {
		t.Fatalf("secrets %q and %q: want two different whsec_ secrets", a.Secret(), b.Secret())
	}
	d := a.Delivery(core.BatchCompleted, core.BatchData{ID: "x"})
	if err := b.Verifier().Verify(d.Body, d.Headers); !errors.Is(err, core.ErrNoMatchingSignature) {
		t.Errorf("verified with another sender's secret: %v, want ErrNoMatchingSignature", err)
	}

	given, err := webhooktest.NewSenderWithSecret(" " + a.Secret() + "\n")
	if err != nil || given.Secret() != a.Secret() {
		t.Fatalf("NewSenderWithSecret: %v, %v", given, err)
	}
	if err := given.Verifier().Verify(d.Body, d.Headers); err != nil {
		t.Errorf("a Sender with the same secret does not verify: %v", err)
	}
	if d2 := given.Delivery(core.BatchCompleted, core.BatchData{}); a.Signer().Sign(d2.Headers.ID, time.Now(), d2.Body) == "" {
		t.Error("Signer returned nothing")
	}
	for _, bad := range []string{"", "whsec_short", `"` + a.Secret() + `"`, "v1,abc"} {
		if _, err := webhooktest.NewSenderWithSecret(bad); !errors.Is(err, core.ErrInvalidSecret) {
			t.Errorf("NewSenderWithSecret(%q): %v, want ErrInvalidSecret", bad, err)
		}
	}
	if s1, s2 := webhooktest.NewSender().Secret(), webhooktest.NewSender().Secret(); s1 == s2 {
		t.Error("NewSender repeats its secret")
	}
}

func TestPanicsOnWhatCannotBeSent(t *testing.T) {
	mustPanic := func(name, want string, f func()) {
		t.Helper()
		defer func() {
			t.Helper()
			msg := ""
			if r := recover(); r != nil {
				msg, _ = r.(string)
			}
			if !strings.Contains(msg, want) {
				t.Errorf("%s: panic %q, want one naming %q", name, msg, want)
			}
		}()
		f()
	}
	sender := webhooktest.NewSender()
	mustPanic("data that does not marshal", "does not marshal", func() { sender.Delivery(core.BatchCompleted, make(chan int)) })
	mustPanic("bad client URL", "NewClientRequest", func() { sender.Delivery(core.BatchCompleted, nil).NewClientRequest("://nope") })
	mustPanic("bad tolerance", "Sender.Verifier", func() { sender.Verifier(core.WithTolerance(0)) })
}

// Over real HTTP, to a server on loopback: a delivery is accepted, a replayed stale one
// and one from another sender are refused.
func TestNewClientRequestOverHTTP(t *testing.T) {
	sender := webhooktest.NewSender()
	handled := make(chan string, 10)
	mux := core.NewMux()
	core.On(mux, core.BatchCompleted, func(_ context.Context, _ *core.Event, data core.BatchData) error {
		handled <- data.ID
		return nil
	})
	srv := httptest.NewServer(nethttp.Handler(sender.Verifier(), mux, nethttp.WithLogger(slog.New(slog.DiscardHandler))))
	defer srv.Close()

	send := func(r *http.Request) int {
		t.Helper()
		resp, err := srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	if status := send(sender.Delivery(core.BatchCompleted, core.BatchData{ID: "batch_http"}).NewClientRequest(srv.URL)); status != http.StatusOK {
		t.Errorf("genuine delivery: %d", status)
	}
	stale := sender.Delivery(core.BatchCompleted, core.BatchData{ID: "stale"}, webhooktest.WithTimestamp(time.Now().Add(-time.Hour)))
	if status := send(stale.NewClientRequest(srv.URL)); status != http.StatusBadRequest {
		t.Errorf("stale delivery: %d, want 400", status)
	}
	forged := webhooktest.NewSender().Delivery(core.BatchCompleted, core.BatchData{ID: "forged"})
	if status := send(forged.NewClientRequest(srv.URL)); status != http.StatusBadRequest {
		t.Errorf("forged delivery: %d, want 400", status)
	}
	srv.Close() // waits for the handlers
	close(handled)
	var got []string
	for id := range handled {
		got = append(got, id)
	}
	if len(got) != 1 || got[0] != "batch_http" {
		t.Errorf("handler saw %v, want [batch_http]", got)
	}
}
