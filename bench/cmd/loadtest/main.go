// Command loadtest drives each adapter's Middleware, in front of a no-op handler, and a
// bare server of the same framework whose handler only reads the body, with concurrent
// keep-alive clients sending valid signed 400-byte deliveries over loopback. It prints
// a markdown table: requests/s, p50 and p99 latency, the server's CPU time per request,
// the middleware's overhead against the bare server, and the server's heap growth over
// the measured requests.
//
// Each server runs in a child process (this program with -serve), so that its CPU time
// and heap are measured apart from the client's. Client and server still share the
// machine's cores: the numbers compare servers; they are not a capacity figure.
//
//	go run ./cmd/loadtest -requests 100000 -concurrency 32
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/webhookkit/openai-webhooks/bench/internal/fixture"
	"github.com/webhookkit/openai-webhooks/bench/internal/servers"
	"github.com/webhookkit/openai-webhooks/core"
)

// server is one framework's server on a loopback listener, with the middleware in front
// of a no-op handler or bare.
type server struct {
	framework string
	// start serves on ln until stop is called. With v nil, the bare handler.
	start func(ln net.Listener, v *core.Verifier) (stop func())
}

// frameworks are run in this order; start.go holds their start functions.
var frameworks = []server{
	{framework: "nethttp", start: startNetHTTP},
	{framework: "gin", start: startGin},
	{framework: "echo", start: startEcho},
	{framework: "echov5", start: startEchoV5},
	{framework: "fiber", start: startFiber},
	{framework: "fiberv3", start: startFiberV3},
}

// tolerance covers the whole run: deliveries are signed once, at the start, so that
// signing is not measured, and must stay valid until the end.
const tolerance = time.Hour

type result struct {
	framework, kind string
	requests        int
	errors          int
	elapsed         time.Duration
	p50, p99        time.Duration
	serverCPU       time.Duration // the server process's CPU time over the measured requests
	heapBefore      uint64
	heapAfter       uint64
	timedOut        bool
	rounds          int
}

func (r result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r result) cpuPerRequest() time.Duration {
	if r.requests == 0 {
		return 0
	}
	return r.serverCPU / time.Duration(r.requests)
}

func main() {
	requests := flag.Int("requests", 100_000, "measured requests per server")
	warmup := flag.Int("warmup", 5_000, "requests before measuring (and before the first heap reading)")
	concurrency := flag.Int("concurrency", 32, "concurrent keep-alive clients")
	maxDuration := flag.Duration("max-duration", 60*time.Second, "stop a server's measurement after this long")
	size := flag.Int("size", 400, "body size in bytes")
	pool := flag.Int("pool", 1024, "distinct pre-signed deliveries, sent round-robin")
	only := flag.String("frameworks", "", "comma-separated frameworks to run (default all: nethttp,gin,echo,echov5,fiber,fiberv3)")
	rounds := flag.Int("rounds", 1, "measure every server this many times; report the medians")
	serve := flag.String("serve", "", "internal: serve one framework/kind in this process (the child of a run)")
	flag.Parse()

	if *serve != "" {
		serveChild(*serve)
		return
	}

	signedAt := time.Now()
	deliveries := make([]fixture.Delivery, *pool)
	for i := range deliveries {
		deliveries[i] = fixture.NewDelivery(fixture.EventBody(*size, i), fixture.WebhookID(i), signedAt, 1, true)
	}

	// Each round runs every selected server once; the order of bare and middleware
	// alternates between rounds, so that a slow stretch of a shared machine does not
	// always hit the same side. Per server, the median of each measure over the rounds
	// is reported, with the largest heap growth of all rounds.
	runs := map[string][]result{}
	var order []string
	for round := range *rounds {
		for _, s := range frameworks {
			if *only != "" && !slices.Contains(strings.Split(*only, ","), s.framework) {
				continue
			}
			kinds := []string{"bare", "middleware"}
			if round%2 == 1 {
				slices.Reverse(kinds)
			}
			for _, kind := range kinds {
				r := run(s.framework, kind, deliveries, *warmup, *requests, *concurrency, *maxDuration)
				fmt.Fprintf(os.Stderr, "round %d: %-8s %-10s %7d req %6.0f req/s p50 %v p99 %v server CPU %v/req errors %d heap %+d B\n",
					round+1, r.framework, r.kind, r.requests, r.rps(), r.p50, r.p99, r.cpuPerRequest(), r.errors, int64(r.heapAfter)-int64(r.heapBefore))
				k := s.framework + "/" + kind
				if round == 0 {
					order = append(order, k)
				}
				runs[k] = append(runs[k], r)
			}
		}
	}
	var results []result // round 1 ran bare first, so each framework reads bare, middleware
	for _, k := range order {
		results = append(results, pick(runs[k]))
	}
	printTable(results, *requests, *concurrency, *size, *rounds)
	for _, r := range results {
		if r.errors > 0 {
			os.Exit(1)
		}
	}
}

// pick summarises the rounds of one server: the median of each measure (requests/s,
// p50, p99, server CPU per request) taken separately, the largest heap growth, and the
// errors of all rounds.
func pick(rs []result) result {
	out := rs[0]
	for _, r := range rs {
		out.requests = min(out.requests, r.requests)
	}
	medianOf := func(f func(r result) float64) float64 {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = f(r)
		}
		slices.Sort(xs)
		if len(xs)%2 == 1 {
			return xs[len(xs)/2]
		}
		return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	rps := medianOf(func(r result) float64 { return r.rps() })
	out.elapsed = time.Duration(float64(out.requests) / rps * float64(time.Second))
	out.p50 = time.Duration(medianOf(func(r result) float64 { return float64(r.p50) }))
	out.p99 = time.Duration(medianOf(func(r result) float64 { return float64(r.p99) }))
	out.serverCPU = time.Duration(medianOf(func(r result) float64 { return float64(r.cpuPerRequest()) })) * time.Duration(out.requests)
	out.errors = 0
	for _, r := range rs {
		out.errors += r.errors
		out.timedOut = out.timedOut || r.timedOut
		if int64(r.heapAfter)-int64(r.heapBefore) > int64(out.heapAfter)-int64(out.heapBefore) {
			out.heapBefore, out.heapAfter = r.heapBefore, r.heapAfter
		}
	}
	out.rounds = len(rs)
	return out
}

// stats is what a child server reports on its control address.
type stats struct {
	HeapAlloc  uint64        // live heap after two full collections
	CPUBefore  time.Duration // process CPU time before those collections
	CPUAfter   time.Duration // and after them
	Goroutines int
}

// serveChild runs one server until its standard input closes. It prints the
// application's and the control server's addresses on one line. The control server
// answers GET /stats with the process's stats.
func serveChild(spec string) {
	framework, kind, _ := strings.Cut(spec, "/")
	i := slices.IndexFunc(frameworks, func(s server) bool { return s.framework == framework })
	if i < 0 {
		fatal(fmt.Errorf("no framework %q", framework))
	}
	var v *core.Verifier
	if kind == "middleware" {
		var err error
		if v, err = core.NewVerifier(fixture.Secret, core.WithTolerance(tolerance)); err != nil {
			fatal(err)
		}
	}
	app, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	ctl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	stop := frameworks[i].start(app, v)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		var s stats
		s.CPUBefore = cpuTime()
		var m runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		s.HeapAlloc, s.Goroutines, s.CPUAfter = m.HeapAlloc, runtime.NumGoroutine(), cpuTime()
		_ = json.NewEncoder(w).Encode(s)
	})
	go func() { _ = http.Serve(ctl, mux) }()
	fmt.Printf("%s %s\n", app.Addr(), ctl.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin) // until the parent closes it, or exits
	stop()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func run(framework, kind string, deliveries []fixture.Delivery, warmup, requests, concurrency int, maxDuration time.Duration) result {
	self, err := os.Executable()
	if err != nil {
		fatal(err)
	}
	cmd := exec.Command(self, "-serve", framework+"/"+kind)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fatal(err)
	}
	defer stopChild(cmd, stdin)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		fatal(fmt.Errorf("%s/%s: the server did not start: %w", framework, kind, err))
	}
	var appAddr, ctlAddr string
	if _, err := fmt.Sscan(line, &appAddr, &ctlAddr); err != nil {
		fatal(fmt.Errorf("%s/%s: %q: %w", framework, kind, line, err))
	}
	url := "http://" + appAddr + servers.Path

	transport := &http.Transport{
		MaxIdleConns:        concurrency,
		MaxIdleConnsPerHost: concurrency,
		MaxConnsPerHost:     concurrency,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}

	r := result{framework: framework, kind: kind}
	latencies := make([]time.Duration, requests)
	drive(client, url, deliveries, warmup, concurrency, maxDuration, nil)
	before := childStats(ctlAddr)

	start := time.Now()
	done, errs, timedOut := drive(client, url, deliveries, requests, concurrency, maxDuration, latencies)
	r.elapsed = time.Since(start)
	after := childStats(ctlAddr)
	r.requests, r.errors, r.timedOut = done, errs, timedOut
	r.heapBefore, r.heapAfter = before.HeapAlloc, after.HeapAlloc
	r.serverCPU = after.CPUBefore - before.CPUAfter

	latencies = latencies[:done]
	slices.Sort(latencies)
	if done > 0 {
		r.p50 = latencies[done*50/100]
		r.p99 = latencies[min(done-1, done*99/100)]
	}
	return r
}

func childStats(ctlAddr string) stats {
	resp, err := http.Get("http://" + ctlAddr + "/stats")
	if err != nil {
		fatal(err)
	}
	defer resp.Body.Close()
	var s stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		fatal(err)
	}
	return s
}

// stopChild closes the child's standard input, which makes it stop, and kills it if it
// has not exited within five seconds.
func stopChild(cmd *exec.Cmd, stdin io.Closer) {
	_ = stdin.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			fmt.Fprintln(os.Stderr, "loadtest: server:", err)
		}
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// drive sends count requests with concurrency workers, stopping early after
// maxDuration. It records each request's latency in latencies (when not nil) and returns
// how many requests completed, how many of those failed, and whether time ran out.
func drive(client *http.Client, url string, deliveries []fixture.Delivery, count, concurrency int, maxDuration time.Duration, latencies []time.Duration) (done, errs int, timedOut bool) {
	ctx, cancel := context.WithTimeout(context.Background(), maxDuration)
	defer cancel()
	var next, completed, failed atomic.Int64
	var firstErr sync.Once
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := &bytes.Reader{}
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= count {
					return
				}
				d := &deliveries[i%len(deliveries)]
				body.Reset(d.Body)
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, io.NopCloser(body))
				if err != nil {
					fatal(err)
				}
				req.ContentLength = int64(len(d.Body))
				req.Header = d.HTTP.Clone()
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				elapsed := time.Since(t0)
				if ctx.Err() != nil && err != nil {
					return // cut off by maxDuration: not a server failure
				}
				n := completed.Add(1)
				if latencies != nil {
					latencies[n-1] = elapsed
				}
				if err != nil {
					failed.Add(1)
					firstErr.Do(func() { fmt.Fprintf(os.Stderr, "loadtest: %s: %v\n", url, err) })
				}
			}
		}()
	}
	wg.Wait()
	return int(completed.Load()), int(failed.Load()), ctx.Err() != nil
}

func printTable(results []result, requests, concurrency, size, rounds int) {
	fmt.Printf("%d measured requests per server after warm-up; %d keep-alive clients; %d-byte valid signed deliveries; loopback; "+
		"server in a child process, client and server sharing the machine's %d cores; medians of %d round(s).\n\n",
		requests, concurrency, size, runtime.NumCPU(), rounds)
	fmt.Println("| framework | server | requests | req/s | p50 | p99 | server CPU / request | overhead: server CPU | overhead: req/s | server heap after warm-up | at end | growth |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	bare := map[string]result{}
	for _, r := range results {
		if r.kind == "bare" {
			bare[r.framework] = r
		}
	}
	for _, r := range results {
		cpuOverhead, rpsOverhead := "", ""
		if b, ok := bare[r.framework]; ok && r.kind == "middleware" && r.rps() > 0 && b.cpuPerRequest() > 0 {
			cpuOverhead = fmt.Sprintf("%+.0f%% (%+.1f µs)", (float64(r.cpuPerRequest())/float64(b.cpuPerRequest())-1)*100,
				float64(r.cpuPerRequest()-b.cpuPerRequest())/float64(time.Microsecond))
			rpsOverhead = fmt.Sprintf("%+.1f%%", (1-r.rps()/b.rps())*100)
		}
		note := ""
		if r.timedOut {
			note = " (time limit)"
		}
		if r.errors > 0 {
			note += fmt.Sprintf(" (%d errors)", r.errors)
		}
		fmt.Printf("| %s | %s | %d%s | %.0f | %s | %s | %.1f µs | %s | %s | %s | %s | %s |\n",
			r.framework, r.kind, r.requests, note, r.rps(), round(r.p50), round(r.p99),
			float64(r.cpuPerRequest())/float64(time.Microsecond), cpuOverhead, rpsOverhead,
			mib(r.heapBefore), mib(r.heapAfter), growth(r.heapBefore, r.heapAfter))
	}
	fmt.Println()
	fmt.Println("overhead: server CPU = the middleware server's CPU time per request over the bare server's, minus 1; " +
		"overhead: req/s = the throughput lost, 1 - middleware req/s / bare req/s.")
}

func round(d time.Duration) string {
	switch {
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	}
}

func mib(b uint64) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }

func growth(before, after uint64) string {
	d := int64(after) - int64(before)
	return fmt.Sprintf("%+.1f KiB (%+.1f%%)", float64(d)/1024, float64(d)/float64(before)*100)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadtest:", err)
	os.Exit(2)
}
