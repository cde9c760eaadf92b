package inspector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/forward"
	"github.com/webhookkit/openai-webhooks/internal/inspector"
)

// serve starts in's handler on loopback.
func serve(t *testing.T, in *inspector.Inspector) string {
	t.Helper()
	srv := httptest.NewServer(in.Handler("127.0.0.1"))
	t.Cleanup(srv.Close)
	t.Cleanup(in.Close)
	return srv.URL
}

func call(t *testing.T, method, url string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func list(t *testing.T, base string) (inspector.Info, int) {
	t.Helper()
	status, b := call(t, http.MethodGet, base+"/api/deliveries")
	if status != http.StatusOK {
		t.Fatalf("GET /api/deliveries: %d %s", status, b)
	}
	var info inspector.Info
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	return info, len(b)
}

func detail(t *testing.T, base string, n int64) (inspector.Detail, int) {
	t.Helper()
	status, b := call(t, http.MethodGet, fmt.Sprintf("%s/api/deliveries/%d", base, n))
	var d inspector.Detail
	if status == http.StatusOK {
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
	}
	return d, status
}

// refused is a delivery refused 400 with a body of size bytes.
func refused(n int64, size int) *inspector.Delivery {
	body := bytes.Repeat([]byte("x"), size)
	return &inspector.Delivery{N: n, At: time.Now(), Method: http.MethodPost, URI: "/webhooks/openai",
		Header: http.Header{"Webhook-Id": {fmt.Sprint("wh_", n)}, "Webhook-Signature": {"v1,forged"}}, Body: body,
		Verdict: inspector.Refused, Status: http.StatusBadRequest, Reason: "no matching webhook signature"}
}

// The history keeps the last deliveries within its count and its bytes; the list
// carries no bodies, and one delivery's body is fetched on its own.
func TestHistoryBoundsAndList(t *testing.T) {
	const maxBytes = 3<<20 + 4<<10 // three bodies of 1 MiB and their headers
	in := inspector.New(inspector.Config{Receiver: "http://127.0.0.1:3000/webhooks/openai", MaxDeliveries: 5, MaxBytes: maxBytes})
	base := serve(t, in)
	for n := int64(1); n <= 4; n++ {
		in.Add(refused(n, 1<<20))
	}
	info, size := list(t, base)
	var ns []int64
	for _, d := range info.Deliveries {
		ns = append(ns, d.N)
	}
	if fmt.Sprint(ns) != "[4 3 2]" || info.History != 5 || info.HistoryBytes != maxBytes {
		t.Fatalf("kept %v (%+v), want [4 3 2]: 3 MiB of bodies", ns, info)
	}
	if size > 4096 {
		t.Errorf("the list of 3 deliveries of 1 MiB is %d bytes: it carries their bodies", size)
	}
	d, status := detail(t, base, 3)
	if status != http.StatusOK || len(d.Body) != 1<<20 || d.Headers["Webhook-Id"][0] != "wh_3" || d.N != 3 || d.Size != 1<<20 {
		t.Fatalf("GET /api/deliveries/3: %d, n %d, body %d bytes, headers %v", status, d.N, len(d.Body), d.Headers)
	}
	if _, status := detail(t, base, 1); status != http.StatusNotFound {
		t.Errorf("a forgotten delivery: %d, want 404", status)
	}
	for n := int64(5); n <= 12; n++ {
		in.Add(refused(n, 10))
	}
	if info, _ := list(t, base); len(info.Deliveries) != 5 || info.Deliveries[0].N != 12 {
		t.Fatalf("count bound: %d deliveries, newest #%d", len(info.Deliveries), info.Deliveries[0].N)
	}
	// One delivery larger than the byte bound is still kept: the newest always is.
	in.Add(refused(13, 4<<20))
	if info, _ := list(t, base); len(info.Deliveries) != 1 || info.Deliveries[0].N != 13 {
		t.Fatalf("after a delivery over the byte bound: %+v", info.Deliveries)
	}
}

// A refused delivery's diagnosis runs off Add's path: Add returns while it runs, and the
// detail waits for it. A body over 64 KiB is not diagnosed.
func TestDiagnosisOffThePath(t *testing.T) {
	release := make(chan struct{})
	var runs atomic.Int32
	in := inspector.New(inspector.Config{Diagnose: func(d *inspector.Delivery) string {
		runs.Add(1)
		<-release
		return "verify: FAILED for " + d.Header.Get("Webhook-Id")
	}})
	base := serve(t, in)
	added := make(chan struct{})
	go func() {
		in.Add(refused(1, 100))
		close(added)
	}()
	select {
	case <-added:
	case <-time.After(10 * time.Second):
		t.Fatal("Add waited for the diagnosis")
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		close(release)
	}()
	if d, _ := detail(t, base, 1); d.Diagnosis != "verify: FAILED for wh_1" {
		t.Fatalf("diagnosis %q", d.Diagnosis)
	}
	in.Add(refused(2, 64<<10+1))
	if d, _ := detail(t, base, 2); !strings.Contains(d.Diagnosis, "Not diagnosed: the body is over 64 KiB") {
		t.Fatalf("diagnosis of a large body %q", d.Diagnosis)
	}
	accepted := refused(3, 10)
	accepted.Verdict, accepted.Status, accepted.Genuine = inspector.Accepted, http.StatusOK, true
	in.Add(accepted)
	if d, _ := detail(t, base, 3); d.Diagnosis != "" || runs.Load() != 1 {
		t.Fatalf("an accepted delivery diagnosed: %q, %d runs", d.Diagnosis, runs.Load())
	}
}

// Replay: only a genuine, complete delivery is re-signed; without an app there is none.
func TestReplayOnlyGenuine(t *testing.T) {
	var replayed []int64
	in := inspector.New(inspector.Config{ForwardTo: "http://127.0.0.1:8080/hooks",
		Replay: func(_ context.Context, orig *inspector.Delivery) (*inspector.Delivery, int, error) {
			replayed = append(replayed, orig.N)
			return &inspector.Delivery{N: 100, Header: http.Header{}, Verdict: inspector.Replayed, ReplayOf: orig.N, Status: 202,
				App: &forward.Result{Status: 202}}, http.StatusOK, nil
		}})
	base := serve(t, in)
	forged := refused(1, 10)
	stale := refused(2, 10)
	stale.Genuine = true
	cut := refused(3, 10)
	cut.Genuine, cut.Truncated = true, true
	for _, d := range []*inspector.Delivery{forged, stale, cut} {
		in.Add(d)
	}
	info, _ := list(t, base)
	resign := map[int64]bool{}
	for _, d := range info.Deliveries {
		resign[d.N] = d.Resign
	}
	if resign[1] || !resign[2] || resign[3] {
		t.Errorf("resign flags %v, want only #2", resign)
	}
	for n, want := range map[int64]int{1: http.StatusConflict, 2: http.StatusOK, 3: http.StatusConflict, 9: http.StatusNotFound} {
		if status, b := call(t, http.MethodPost, fmt.Sprintf("%s/api/deliveries/%d/replay", base, n)); status != want {
			t.Errorf("replay of #%d: %d %s, want %d", n, status, b, want)
		}
	}
	if fmt.Sprint(replayed) != "[2]" {
		t.Errorf("replayed %v, want only #2", replayed)
	}
	noApp := serve(t, inspector.New(inspector.Config{}))
	if status, b := call(t, http.MethodPost, noApp+"/api/deliveries/1/replay"); status != http.StatusConflict || !strings.Contains(string(b), "--forward-to") {
		t.Errorf("replay without an app: %d %s", status, b)
	}
}

// A verified delivery the app did not take is shown failed, whatever listen's verdict.
func TestAppFailureIsTheVerdict(t *testing.T) {
	in := inspector.New(inspector.Config{})
	base := serve(t, in)
	for n, app := range map[int64]*forward.Result{1: {Status: 202}, 2: {Status: 500}, 3: {Err: io.ErrUnexpectedEOF}} {
		d := &inspector.Delivery{N: n, Header: http.Header{}, Verdict: inspector.Accepted, Status: app.Status, App: app, Genuine: true}
		in.Add(d)
	}
	dup := &inspector.Delivery{N: 4, Header: http.Header{}, Verdict: inspector.Duplicate, Status: 500, App: &forward.Result{Status: 500}}
	in.Add(dup)
	info, _ := list(t, base)
	got := map[int64]string{}
	for _, d := range info.Deliveries {
		got[d.N] = d.Verdict
	}
	if want := map[int64]string{1: inspector.Accepted, 2: inspector.Failed, 3: inspector.Failed, 4: inspector.Failed}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("verdicts %v, want %v", got, want)
	}
}

// A refused delivery's claims are parsed for orientation only when the body is small.
func TestSummaryClaims(t *testing.T) {
	in := inspector.New(inspector.Config{})
	base := serve(t, in)
	small := refused(1, 0)
	small.Body = []byte(`{"id": "evt_1", "object": "event", "type": "batch.completed", "data": {}}`)
	in.Add(small)
	big := refused(2, 0)
	big.Body = append([]byte(`{"id": "evt_2", "object": "event", "type": "batch.failed", "data": {"pad": "`), append(bytes.Repeat([]byte("x"), 70<<10), `"}}`...)...)
	in.Add(big)
	info, _ := list(t, base)
	if info.Deliveries[1].Type != string(core.BatchCompleted) || info.Deliveries[1].EventID != "evt_1" || info.Deliveries[0].Type != "" {
		t.Fatalf("claims %+v", info.Deliveries)
	}
}
