package inspector_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/internal/inspector"
)

func TestAllowedHost(t *testing.T) {
	for _, tc := range []struct {
		host, configured string
		want             bool
	}{
		{"127.0.0.1:4000", "127.0.0.1", true},
		{"localhost:4000", "127.0.0.1", true},
		{"LOCALHOST.", "127.0.0.1", true},
		{"[::1]:4000", "127.0.0.1", true},
		{"inspector.localhost:4000", "127.0.0.1", true},
		{"attacker.example:4000", "127.0.0.1", false}, // DNS rebinding: a name that resolves here
		{"localhost.attacker.example", "127.0.0.1", false},
		{"devbox.lan:4000", "devbox.lan", true},
		{"other.lan:4000", "devbox.lan", false},
		{"192.168.1.10:4000", "0.0.0.0", true},
		{"attacker.example:4000", "0.0.0.0", false},
		{"", "127.0.0.1", false},
	} {
		if got := inspector.AllowedHost(tc.host, tc.configured); got != tc.want {
			t.Errorf("AllowedHost(%q, %q) = %v", tc.host, tc.configured, got)
		}
	}
}

// blockedWriter is a page that does not read its answer: each Write waits until release.
type blockedWriter struct {
	header  http.Header
	writing chan struct{}
	release chan struct{}
}

func (w *blockedWriter) Header() http.Header { return w.header }
func (w *blockedWriter) WriteHeader(int)     {}
func (w *blockedWriter) Write(b []byte) (int, error) {
	select {
	case w.writing <- struct{}{}:
	default:
	}
	<-w.release
	return len(b), nil
}

// The receiver never waits on a page: a list or a detail stuck writing to a client that
// does not read holds no lock that Add needs.
func TestAddNeverWaitsOnAPage(t *testing.T) {
	in := inspector.New(inspector.Config{})
	in.Add(refused(1, 1<<20))
	h := in.Handler("127.0.0.1")
	var pages []*blockedWriter
	for _, path := range []string{"/api/deliveries", "/api/deliveries/1"} {
		w := &blockedWriter{header: http.Header{}, writing: make(chan struct{}, 1), release: make(chan struct{})}
		pages = append(pages, w)
		go h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://127.0.0.1"+path, nil))
		<-w.writing
	}
	defer func() {
		for _, w := range pages {
			close(w.release)
		}
	}()
	added := make(chan struct{})
	go func() {
		in.Add(refused(2, 10))
		close(added)
	}()
	select {
	case <-added:
	case <-time.After(10 * time.Second):
		t.Fatal("Add waited for a page that does not read its answer")
	}
}

// BenchmarkList is GET /api/deliveries with a full history of refused 1 MiB deliveries:
// the list costs the summaries, not the bodies.
func BenchmarkList(b *testing.B) {
	in := inspector.New(inspector.Config{MaxDeliveries: 500, MaxBytes: 1 << 40})
	for n := int64(1); n <= 500; n++ {
		in.Add(refused(n, 1<<20))
	}
	h := in.Handler("127.0.0.1")
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/api/deliveries", nil)
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
		b.SetBytes(int64(w.Body.Len()))
	}
}
