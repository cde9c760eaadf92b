// Command fibermem measures what oversized deliveries cost a fiber (v2) server's memory,
// with fiber's BodyLimit at its default (4 MiB) and at the adapter's limit (1 MiB): it runs
// the server in a child process, sends -concurrency deliveries of -size bytes at once over
// loopback, and reports the child's peak resident memory (VmHWM) and what it still holds
// afterwards (VmRSS), from /proc (Linux only).
//
//	go run ./cmd/fibermem -size 1048577 -concurrency 200
//	go run ./cmd/fibermem -size 4194304 -concurrency 200
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberadapter"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func main() {
	serve := flag.Int("serve", -1, "run as the server with this BodyLimit (internal)")
	size := flag.Int("size", 1<<20+1, "body size of each delivery in bytes")
	concurrency := flag.Int("concurrency", 200, "deliveries sent at once")
	rounds := flag.Int("rounds", 3, "rounds of concurrent deliveries per server")
	flag.Parse()
	if *serve >= 0 {
		runServer(*serve)
		return
	}
	fmt.Printf("%d concurrent deliveries of %d bytes, %d rounds, adapter limit 1 MiB\n", *concurrency, *size, *rounds)
	fmt.Println("fiber BodyLimit      peak RSS (VmHWM)   RSS after   statuses")
	for _, limit := range []int{4 << 20, 1 << 20} {
		peak, after, statuses, err := measure(limit, *size, *concurrency, *rounds)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-20s %10.0f MiB   %7.0f MiB   %v\n", fmt.Sprintf("%d MiB", limit>>20), peak, after, statuses)
	}
}

func runServer(bodyLimit int) {
	v, err := core.NewVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true, BodyLimit: bodyLimit, ErrorHandler: fiberadapter.AppErrorHandler})
	quiet := fiberadapter.WithLogger(slogDiscard())
	app.Post("/webhooks/openai", fiberadapter.Handler(v, core.NewMux(), quiet))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr().String())
	log.Fatal(app.Listener(ln))
}

func measure(bodyLimit, size, concurrency, rounds int) (peakMiB, afterMiB float64, statuses map[int]int, err error) {
	cmd := exec.Command(os.Args[0], "-serve", fmt.Sprint(bodyLimit))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return 0, 0, nil, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return 0, 0, nil, err
	}
	url := "http://" + strings.TrimSpace(addr) + "/webhooks/openai"

	signer, _ := core.NewSigner(secret)
	body := padded(size)
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	statuses = map[int]int{}
	var mu sync.Mutex
	for range rounds {
		var wg sync.WaitGroup
		for range concurrency {
			wg.Go(func() {
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
				signer.Headers(core.NewWebhookID(), time.Now(), body).Set(req.Header)
				status := -1 // the connection was reset before an answer: fiber refused mid-body
				if resp, err := client.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	time.Sleep(2 * time.Second) // let the server settle; fasthttp keeps its pools
	peak, err := procStatus(cmd.Process.Pid, "VmHWM:")
	if err != nil {
		return 0, 0, nil, err
	}
	after, err := procStatus(cmd.Process.Pid, "VmRSS:")
	return peak, after, statuses, err
}

// procStatus reads a "kB" field of /proc/<pid>/status, in MiB.
func procStatus(pid int, field string) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err != nil {
				return 0, err
			}
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

func padded(size int) []byte {
	const head, tail = `{"id":"evt_pad","object":"event","created_at":1750861208,"type":"batch.completed","data":{"id":"batch_1"},"pad":"`, `"}`
	return []byte(head + strings.Repeat("x", max(size-len(head)-len(tail), 0)) + tail)
}

func slogDiscard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
