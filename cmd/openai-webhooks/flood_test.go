package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// TestListenUnderForgeryFlood is listen behind a public tunnel found by someone who
// POSTs forgeries: 120 of 1 MiB from 8 senders, at a listen with the inspector and
// captures on. Every one is answered 400 within a minute (the answer does not wait for
// a diagnosis), listen's memory stays bounded, the inspector's list stays small, and the
// captures of refused deliveries stay within their budget.
func TestListenUnderForgeryFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 120 MiB")
	}
	secret := newSecret(t)
	captures := t.TempDir()
	p := startListen(t, nil, "--addr", "127.0.0.1:0", "--secret", secret, "--ui", "127.0.0.1:0", "--capture", captures)
	const marker = "Inspector at "
	stderr := p.stderr.String()
	uiURL, _, _ := strings.Cut(stderr[strings.Index(stderr, marker)+len(marker):], " ")

	const senders, each, size = 8, 15, 1 << 20
	body := oversizedEvent(time.Now(), size)
	if len(body) != size {
		t.Fatalf("forgery of %d bytes, want %d", len(body), size)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := &http.Client{}
	var wg sync.WaitGroup
	statuses := make(chan int, senders*each)
	for range senders {
		forger := newSigner(t, newSecret(t))
		wg.Go(func() {
			for range each {
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(body))
				if err != nil {
					statuses <- -1
					continue
				}
				forger.Headers(core.NewWebhookID(), time.Now(), body).Set(req.Header)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					statuses <- -1
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				statuses <- resp.StatusCode
			}
		})
	}
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for s := range statuses {
		got[s]++
	}
	if got[http.StatusBadRequest] != senders*each {
		t.Fatalf("answers %v (-1: not answered within a minute), want %d × 400", got, senders*each)
	}

	start := time.Now()
	resp, err := http.Get(uiURL + "api/deliveries")
	if err != nil {
		t.Fatal(err)
	}
	list, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/deliveries: %d %v", resp.StatusCode, err)
	}
	t.Logf("GET /api/deliveries: %d bytes in %s", len(list), time.Since(start))
	if len(list) > 16<<20 {
		t.Errorf("the delivery list is %d bytes, want under 16 MiB", len(list))
	}

	var captured int64
	entries, err := os.ReadDir(captures)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil {
			captured += fi.Size()
		}
	}
	t.Logf("captures: %d files, %d bytes", len(entries), captured)
	if captured > 80<<20 {
		t.Errorf("captures hold %d bytes, want under 80 MiB", captured)
	}

	peak := peakRSS(t, p.cmd.Process.Pid)
	t.Logf("listen's peak resident memory (VmHWM): %d MiB", peak>>20)
	switch {
	case raceEnabled:
		t.Logf("built with -race: the 400 MiB bound is not checked (the race detector multiplies memory)")
	case peak > 400<<20:
		t.Errorf("listen's peak memory %d MiB, want under 400 MiB", peak>>20)
	}
	p.stop(t, os.Interrupt)
}

// peakRSS reads a process's peak resident set size (VmHWM) from /proc.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		t.Skipf("no /proc to read the peak memory from: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/PID/status")
	return 0
}
