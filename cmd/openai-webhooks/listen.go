package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

var listenUsage = cmdUsage{
	name:     "listen",
	synopsis: "[--addr :3000] [--path /webhooks/openai] [--secret whsec_…] [--json]",
	about: `Runs a receiver that verifies every delivery as the library does (nethttp.Handler
with an in-memory idempotency store) and prints each one as it arrives: type, event id,
webhook-id, age and data. Rejected deliveries are printed with the status answered and
the reason; a duplicate webhook-id is acknowledged (200) without running the handler
again. With --json, each line is one JSON object, for jq.

The secret is --secret, else $OPENAI_WEBHOOK_SECRET, else a development secret made
for this run, printed with the exact 'send' command that delivers to it. Point OpenAI
(through a tunnel) or 'openai-webhooks send' at the printed URL. The banner goes to
standard error, the deliveries to standard output. SIGINT (Ctrl-C) or SIGTERM stops it
gracefully.`,
	examples: `openai-webhooks listen
OPENAI_WEBHOOK_SECRET=whsec_… openai-webhooks listen --addr 127.0.0.1:8080 --path /hooks
openai-webhooks listen --json | jq -r 'select(.outcome == "rejected") | .error'`,
}

func runListen(c *cli, args []string) error {
	fs := newFlagSet("listen")
	addr := fs.String("addr", ":3000", "listen on this `ADDR` (host:port; port 0 picks a free one)")
	path := fs.String("path", "/webhooks/openai", "receive deliveries at this URL `PATH`")
	secretFlag := fs.String("secret", "", "signing `SECRET` (whsec_… or whpk_…); default $"+core.EnvSecret+", else a new development secret")
	asJSON := fs.Bool("json", false, "print one JSON object a line instead of text")
	if err := c.parse(fs, listenUsage, args); err != nil {
		return err
	}
	if !strings.HasPrefix(*path, "/") {
		return usageErrorf("--path %q must start with /", *path)
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
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("%w (is another receiver running there? choose another port with --addr)", err)
	}
	url := receiverURL(ln.Addr(), *addr, *path)

	p := &deliveryPrinter{w: c.stdout, json: *asJSON, now: c.now}
	srv := newServer(listenHandler(verifier, *path, p))
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	fmt.Fprintf(c.stderr, "%s listen: verifying deliveries at %s\n", progName, url)
	if source == "" {
		fmt.Fprintf(c.stderr, "No secret given (--secret, or %s): this run uses a development secret made just now:\n  %s\n", core.EnvSecret, secret)
		fmt.Fprintf(c.stderr, "Send it a signed test delivery from another terminal with:\n  %s send --url %s --secret %s --type %s\n",
			commandName(), shellQuote(url), shellQuote(secret), core.BatchCompleted)
	} else {
		fmt.Fprintf(c.stderr, "secret from %s (%s)\n", source, redactSecret(secret))
	}
	fmt.Fprintf(c.stderr, "Duplicates (same webhook-id) are acknowledged without running the handler. Ctrl-C stops.\n")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-serveErr:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	stop()
	fmt.Fprintf(c.stderr, "%s listen: stopping, letting deliveries in progress finish\n", progName)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-serveErr; err != nil && !errServerClosed(err) {
		return fmt.Errorf("serving: %w", err)
	}
	fmt.Fprintf(c.stderr, "%s listen: stopped\n", progName)
	return nil
}

// duplicates prints the deliveries the receiver acknowledged as duplicates: the
// pipeline reports them to its observer, and the handler never sees them.
type duplicates struct{ p *deliveryPrinter }

func (duplicates) StartDelivery(ctx context.Context) context.Context { return ctx }

func (o duplicates) EndDelivery(_ context.Context, d core.Delivery) {
	if d.Outcome == core.OutcomeDuplicate {
		o.p.duplicate(d.WebhookID)
	}
}

// listenHandler is the receiver: nethttp.Handler at path, reporting every outcome to p.
func listenHandler(v *core.Verifier, path string, p *deliveryPrinter) http.Handler {
	endpoint := nethttp.Handler(v,
		core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
			p.received(e)
			return nil
		}),
		nethttp.WithIdempotency(idempotency.NewMemoryStore()),
		nethttp.WithObserver(duplicates{p}),
		nethttp.WithLogger(slog.New(slog.DiscardHandler)),
		nethttp.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, status int, err error) {
			p.rejected(r, status, err)
			nethttp.WriteError(w, r, status, err)
		}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			p.ignored(r, http.StatusNotFound, "this receiver answers POST "+path)
			nethttp.WriteError(w, r, http.StatusNotFound, errors.New("not found: this receiver answers POST "+path))
			return
		}
		if r.Method != http.MethodPost {
			p.ignored(r, http.StatusMethodNotAllowed, "webhooks are POSTed")
			w.Header().Set("Allow", http.MethodPost)
			nethttp.WriteError(w, r, http.StatusMethodNotAllowed, errors.New("method not allowed: webhooks are POSTed"))
			return
		}
		endpoint.ServeHTTP(w, r)
	})
}

// deliveryPrinter prints what the receiver saw, one delivery at a time.
type deliveryPrinter struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
	now  func() time.Time
}

// listenLine is one line of listen --json.
type listenLine struct {
	Time       string          `json:"time"`
	Outcome    string          `json:"outcome"` // received, duplicate, rejected, ignored
	Status     int             `json:"status"`
	Type       string          `json:"type,omitempty"`
	EventID    string          `json:"event_id,omitempty"`
	WebhookID  string          `json:"webhook_id,omitempty"`
	CreatedAt  int64           `json:"created_at,omitempty"`
	AgeSeconds *int64          `json:"age_seconds,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Error      string          `json:"error,omitempty"`
	Method     string          `json:"method,omitempty"`
	Path       string          `json:"path,omitempty"`
}

func (p *deliveryPrinter) emit(line listenLine, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		b, err := json.Marshal(line)
		if err != nil {
			return
		}
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	fmt.Fprintf(p.w, "%s %s\n", p.now().Format(time.TimeOnly), text)
}

func (p *deliveryPrinter) received(e *core.Event) {
	now := p.now()
	age := int64(now.Sub(e.Timestamp) / time.Second) // the timestamp has whole seconds: floor
	var data bytes.Buffer
	if err := json.Compact(&data, e.Data); err != nil {
		data.Reset()
		data.Write(e.Data)
	}
	line := listenLine{
		Time: now.UTC().Format(time.RFC3339), Outcome: "received", Status: http.StatusOK,
		Type: string(e.Type), EventID: e.ID, WebhookID: e.WebhookID, CreatedAt: e.CreatedAt,
		AgeSeconds: &age, Data: json.RawMessage(data.Bytes()),
	}
	if data.Len() == 0 {
		line.Data = nil
	}
	p.emit(line, fmt.Sprintf("received  %s  %s  webhook-id %s  age %ds  data %s", e.Type, e.ID, e.WebhookID, age, data.String()))
}

func (p *deliveryPrinter) rejected(r *http.Request, status int, err error) {
	id := truncateText(r.Header.Get(core.HeaderID), 64)
	line := listenLine{Time: p.now().UTC().Format(time.RFC3339), Outcome: "rejected", Status: status, WebhookID: id, Error: err.Error()}
	shown := id
	if shown == "" {
		shown = "(none)"
	}
	p.emit(line, fmt.Sprintf("rejected  %d  webhook-id %s  %s", status, shown, err.Error()))
}

func (p *deliveryPrinter) duplicate(webhookID string) {
	id := truncateText(webhookID, 64)
	line := listenLine{Time: p.now().UTC().Format(time.RFC3339), Outcome: "duplicate", Status: http.StatusOK, WebhookID: id}
	p.emit(line, fmt.Sprintf("duplicate 200  webhook-id %s  already handled: acknowledged without running the handler", id))
}

func (p *deliveryPrinter) ignored(r *http.Request, status int, why string) {
	line := listenLine{Time: p.now().UTC().Format(time.RFC3339), Outcome: "ignored", Status: status, Method: r.Method, Path: r.URL.Path, Error: why}
	p.emit(line, fmt.Sprintf("ignored   %d  %s %s  (%s)", status, r.Method, truncateText(r.URL.Path, 80), why))
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
