package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/capture"
	"github.com/webhookkit/openai-webhooks/internal/forward"
	"github.com/webhookkit/openai-webhooks/internal/inspector"
	"github.com/webhookkit/openai-webhooks/internal/listener"
	"github.com/webhookkit/openai-webhooks/internal/secrethint"
)

var listenUsage = cmdUsage{
	name:     "listen",
	synopsis: "[--addr 127.0.0.1:3000] [--path /webhooks/openai] [--secret whsec_…] [--forward-to URL] [--capture DIR] [--ui ADDR] [--json]",
	about: `Runs a receiver that verifies every delivery as the library does (nethttp.Middleware
with an in-memory idempotency store) and prints each one as it arrives: type, event id,
webhook-id, age and data. Rejected deliveries are printed with the status answered and
the reason; a duplicate webhook-id is acknowledged (200) without running the handler
again. With --json, each line is one JSON object, for jq.

The local loop: with --forward-to, every delivery that verifies (redeliveries
included, so the app can test its own idempotency) is sent on to your app byte for byte
(body, webhook-id, webhook-timestamp, webhook-signature, content-type): the app verifies
it with the same secret, and the sender gets the app's status and body back (502 when
the app cannot be reached). Each line adds the app's status and latency. With
--capture, every delivery is saved as one raw HTTP request file that 'verify --request'
and 'replay' read: every verified one, and the refused ones within --capture-budget
MiB (the oldest refused captures removed first; 0 captures verified deliveries only).
With --ui, a web inspector shows the deliveries live, explains refused ones, and
replays verified ones to the app; it listens on loopback unless a host is given
(--ui 4000 is 127.0.0.1:4000), and keeps the last --history deliveries within
--history-size MiB of bodies.

Safe behind a public tunnel: the receiver listens on 127.0.0.1 unless --addr says
otherwise (a tunnel reaches it there); whoever finds the tunnel's URL can POST to it,
so what refused deliveries cost is bounded (memory, disk, diagnoses), and a replay
re-signs only a delivery whose signature verifies under the secret.

The secret is --secret, else $OPENAI_WEBHOOK_SECRET, else a development secret made
for this run, printed with the exact 'send' command that delivers to it. Point OpenAI
(through a tunnel) or 'openai-webhooks send' at the printed URL. The banner goes to
standard error, the deliveries to standard output. SIGINT (Ctrl-C) or SIGTERM stops it
gracefully.`,
	examples: `openai-webhooks listen
OPENAI_WEBHOOK_SECRET=whsec_… openai-webhooks listen --forward-to http://localhost:8080/webhooks/openai --ui 4000
openai-webhooks listen --capture deliveries/   # then: openai-webhooks replay deliveries/ --to …
openai-webhooks listen --json | jq -r 'select(.outcome == "rejected") | .error'`,
}

// listenOptions are the flags of listen, checked.
type listenOptions struct {
	addr, path, forwardTo, capture, ui string
	captureBudget, historyBytes        int64
	history                            int
	json                               bool
}

func runListen(c *cli, args []string) error {
	fs := newFlagSet("listen")
	addr := fs.String("addr", "127.0.0.1:3000", "listen on this `ADDR` (host:port; port 0 picks a free one; :3000 is every interface)")
	path := fs.String("path", "/webhooks/openai", "receive deliveries at this URL `PATH`")
	secretFlag := fs.String("secret", "", "signing `SECRET` (whsec_… or whpk_…); default $"+core.EnvSecret+", else a new development secret")
	asJSON := fs.Bool("json", false, "print one JSON object a line instead of text")
	forwardTo := fs.String("forward-to", "", "forward each verified delivery to your app at this `URL` and answer with its answer")
	captureFlag := fs.String("capture", "", "save deliveries as raw HTTP request files in this `DIR`: every verified one, refused ones within --capture-budget")
	captureBudget := fs.Int64("capture-budget", capture.DefaultRefusedBudget>>20, "keep at most `MIB` mebibytes of refused deliveries' captures, removing the oldest first (0: capture verified deliveries only)")
	uiFlag := fs.String("ui", "", "serve the web inspector at this `ADDR` (a port alone is on 127.0.0.1)")
	historyFlag := fs.Int("history", inspector.DefaultMaxDeliveries, "the inspector keeps the last `N` deliveries")
	historySize := fs.Int64("history-size", inspector.DefaultMaxBytes>>20, "and at most `MIB` mebibytes of their bodies, forgetting the oldest first")
	if err := c.parse(fs, listenUsage, args); err != nil {
		return err
	}
	if !strings.HasPrefix(*path, "/") {
		return usageErrorf("--path %q must start with /", *path)
	}
	opts := listenOptions{addr: *addr, path: *path, capture: *captureFlag, captureBudget: *captureBudget << 20, history: *historyFlag, historyBytes: *historySize << 20, json: *asJSON}
	if *forwardTo != "" {
		target, err := parseTargetURL("--forward-to", *forwardTo)
		if err != nil {
			return err
		}
		opts.forwardTo = target
	}
	if flagWasSet(fs, "ui") {
		uiAddr, err := inspectorAddr(*uiFlag)
		if err != nil {
			return err
		}
		opts.ui = uiAddr
	}
	if *historyFlag < 1 {
		return usageErrorf("--history %d: keep at least 1 delivery", *historyFlag)
	}
	if *historySize < 1 || *historySize > 1<<20 {
		return usageErrorf("--history-size %d: give mebibytes, from 1 to 1048576", *historySize)
	}
	if *captureBudget < 0 || *captureBudget > 1<<30 {
		return usageErrorf("--capture-budget %d: give mebibytes, from 0 to 1073741824", *captureBudget)
	}
	secret, source, ok := c.secretFrom(*secretFlag)
	if !ok {
		generated, err := core.GenerateSecret()
		if err != nil {
			return err
		}
		secret, source = generated, ""
	}
	verifier, err := core.NewVerifier(secret)
	if err != nil {
		if source != "" {
			return fmt.Errorf("the secret from %s: %w", source, err)
		}
		return err
	}
	var capDir *capture.Dir
	if opts.capture != "" {
		if capDir, err = capture.OpenDir(opts.capture, opts.captureBudget); err != nil {
			return fmt.Errorf("--capture: %w", err)
		}
	}
	rcv, out := newListenParts(opts, secret, verifier, capDir, c.stdout, c.stderr, c.now)
	return serveListen(c, rcv, out, opts, secret, source)
}

// serveListen runs the receiver (and the inspector) until SIGINT or SIGTERM.
func serveListen(c *cli, rcv *listener.Receiver, out *listenOutput, opts listenOptions, secret, source string) error {
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return fmt.Errorf("%w (is another receiver running there? choose another port with --addr)", err)
	}
	if opts.forwardTo != "" && forward.ToItself(opts.forwardTo, ln.Addr()) {
		_ = ln.Close()
		return usageErrorf("--forward-to %s is this receiver itself (listening on %s): give your app's URL", opts.forwardTo, ln.Addr())
	}
	url := receiverURL(ln.Addr(), opts.addr, opts.path)
	servers := []*http.Server{newServer(rcv)}
	listeners := []net.Listener{ln}
	var uiURL string
	if opts.ui != "" {
		uiLn, err := net.Listen("tcp", opts.ui)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("--ui: %w (choose another port)", err)
		}
		uiURL = receiverURL(uiLn.Addr(), opts.ui, "/")
		out.inspector = newInspector(rcv, out, opts, url)
		servers = append(servers, out.inspector.Server(opts.ui))
		listeners = append(listeners, uiLn)
	}
	serveErr := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { serveErr <- srv.Serve(listeners[i]) }()
	}

	fmt.Fprintf(c.stderr, "%s listen: verifying deliveries at %s\n", progName, url)
	if source == "" {
		fmt.Fprintf(c.stderr, "No secret given (--secret, or %s): this run uses a development secret made just now:\n  %s\n", core.EnvSecret, secret)
		fmt.Fprintf(c.stderr, "Send it a signed test delivery from another terminal with:\n  %s send --url %s --secret %s --type %s\n",
			commandName(), shellQuote(url), shellQuote(secret), core.BatchCompleted)
	} else {
		fmt.Fprintf(c.stderr, "secret from %s (%s)\n", source, secrethint.Of(secret))
	}
	if opts.forwardTo != "" {
		fmt.Fprintf(c.stderr, "Forwarding every verified delivery, redeliveries included, to %s\n", opts.forwardTo)
	}
	if opts.capture != "" {
		if opts.captureBudget > 0 {
			fmt.Fprintf(c.stderr, "Capturing every delivery in %s (refused ones within %d MiB, the oldest removed first)\n", opts.capture, opts.captureBudget>>20)
		} else {
			fmt.Fprintf(c.stderr, "Capturing every verified delivery in %s (refused ones are not captured: --capture-budget 0)\n", opts.capture)
		}
	}
	if uiURL != "" {
		fmt.Fprintf(c.stderr, "Inspector at %s (keeps the last %d deliveries), at most %d MiB of bodies\n", uiURL, opts.history, opts.historyBytes>>20)
	}
	if opts.forwardTo == "" {
		fmt.Fprintf(c.stderr, "Duplicates (same webhook-id) are acknowledged without running the handler. Ctrl-C stops.\n")
	} else {
		fmt.Fprintf(c.stderr, "The app answers every delivery, duplicates included. Ctrl-C stops.\n")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-serveErr:
		for _, srv := range servers {
			_ = srv.Close()
		}
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	stop()
	fmt.Fprintf(c.stderr, "%s listen: stopping, letting deliveries in progress finish\n", progName)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(shutdownCtx); err != nil {
			return fmt.Errorf("shutting down: %w", err)
		}
	}
	for range servers {
		if err := <-serveErr; err != nil && !errServerClosed(err) {
			return fmt.Errorf("serving: %w", err)
		}
	}
	fmt.Fprintf(c.stderr, "%s listen: stopped\n", progName)
	return nil
}

// receiverURL is the URL to send to: the listener's address, with localhost for a
// listener on every interface.
func receiverURL(listening net.Addr, requested, path string) string {
	host, port, err := net.SplitHostPort(listening.String())
	if err != nil {
		return "http://" + listening.String() + path
	}
	reqHost, _, _ := net.SplitHostPort(requested)
	if ip := net.ParseIP(reqHost); reqHost == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + path
}

// commandName is how the user runs this program, for the commands it prints.
func commandName() string {
	exe := os.Args[0]
	if strings.Contains(filepath.ToSlash(exe), "/go-build") {
		cwdHasCmd := false
		if fi, err := os.Stat(filepath.Join("cmd", "openai-webhooks")); err == nil && fi.IsDir() {
			cwdHasCmd = true
		}
		version := ""
		if info, ok := debug.ReadBuildInfo(); ok {
			version = info.Main.Version
		}
		return goRunCommand(cwdHasCmd, sourceRoot(), version)
	}
	base := filepath.Base(exe)
	if found, err := exec.LookPath(base); err == nil {
		a, errA := os.Stat(found)
		b, errB := os.Stat(exe)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return base
		}
	}
	return shellQuote(exe)
}

// goRunCommand is the "go run" command line that runs this program again, for a
// program started with go run: from the clone it runs from, when the current directory
// is its root (cwdHasCmd) or the clone is known (root, run with go -C), else at the
// module version it was run at. It never suggests "@latest" of a module that may not
// be published: that would fail for someone who has not cloned it.
func goRunCommand(cwdHasCmd bool, root, version string) string {
	switch {
	case cwdHasCmd:
		return "go run ./cmd/openai-webhooks"
	case root != "":
		return "go -C " + shellQuote(root) + " run ./cmd/openai-webhooks"
	case version != "" && version != "(devel)":
		return "go run github.com/webhookkit/openai-webhooks/cmd/openai-webhooks@" + version
	default:
		return "go run ./cmd/openai-webhooks" // from the root of a clone: the only way left
	}
}

// sourceRoot returns the root of the module this program was compiled from, when its
// sources are still where they were compiled (go run from a clone), else "".
func sourceRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(file))) // <root>/cmd/openai-webhooks/listen.go
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return ""
	}
	return root
}
