package forward_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/internal/forward"
)

func TestPost(t *testing.T) {
	var got *http.Request
	var gotBody []byte
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotBody = r, nil
		gotBody, _ = io.ReadAll(r.Body)
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer app.Close()
	client := forward.NewClient(5 * time.Second)
	header := http.Header{"Webhook-Id": {"wh_1"}, "Webhook-Timestamp": {"1750861210"}, "Webhook-Signature": {"v1,abc"},
		"Content-Type": {"application/json"}, "Cookie": {"secret=1"}, "X-Forwarded-For": {"10.0.0.1"}}
	res := forward.Post(context.Background(), client, app.URL+"/hooks", header, []byte("{}\n"))
	if res.Err != nil || res.Status != http.StatusAccepted || string(res.Body) != `{"ok":true}` || res.ContentType != "application/json" || res.Failed() || res.Latency <= 0 {
		t.Fatalf("result %+v", res)
	}
	if string(gotBody) != "{}\n" || got.Header.Get("Webhook-Signature") != "v1,abc" || got.Header.Get("Cookie") != "" || got.Header.Get("X-Forwarded-For") != "" || got.Header.Get("User-Agent") != forward.UserAgent {
		t.Fatalf("the app got %v %q", got.Header, gotBody)
	}
	// A redirect is the app's answer, not followed.
	if res := forward.Post(context.Background(), client, app.URL+"/moved", header, nil); res.Status != http.StatusFound || !res.Failed() {
		t.Fatalf("redirect: %+v", res)
	}
}

func TestPostUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	res := forward.Post(context.Background(), forward.NewClient(5*time.Second), "http://"+addr+"/", http.Header{}, nil)
	if res.Status != 0 || !res.Failed() || !strings.Contains(forward.UnreachableHint(res.Err), "connection refused") {
		t.Fatalf("result %+v, hint %q", res, forward.UnreachableHint(res.Err))
	}
}

func TestToItself(t *testing.T) {
	listening := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 3000}
	for target, want := range map[string]bool{
		"http://localhost:3000/hooks": true,
		"http://127.0.0.1:3000/":      true,
		"http://app.localhost:3000/":  true,
		"http://localhost:8080/hooks": false,
		"http://example.com:3000/":    false,
		"http://localhost/hooks":      false,
	} {
		if got := forward.ToItself(target, listening); got != want {
			t.Errorf("ToItself(%q) = %v", target, got)
		}
	}
}
