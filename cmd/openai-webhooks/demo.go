package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/idempotency"
	"github.com/webhookkit/openai-webhooks/internal/secrethint"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

var demoUsage = cmdUsage{
	name:     "demo",
	synopsis: "",
	about: `Shows the whole job with no set-up: starts a receiver on 127.0.0.1 (a random free
port) with a fresh secret (nethttp.Handler dispatching to a core.Mux, with an in-memory
idempotency store), then sends it, signed as OpenAI signs:

  - a realistic delivery of every known event type, and one of a type not known yet;
  - a duplicate (the same webhook-id again), acknowledged without running the handler;
  - a forged delivery (signed with another secret), a tampered one (body changed after
    signing), a stale one (timestamp 10 minutes old), an unsigned one, and an
    oversized one (over the 1 MiB limit).

It prints a table of what was sent, the status expected, the status answered and why
(the body of the answer), and checks that the handler ran once per accepted delivery.
It exits 0 only when every answer is the expected one.`,
	examples: `openai-webhooks demo
go run ./cmd/openai-webhooks demo   # from a clone of the repository, until the module is published`,
}

// demoDelivery is one row of the demo: what is sent and what must come back.
type demoDelivery struct {
	label      string
	h          core.Headers
	body       []byte
	wantStatus int
	wantBody   string // a substring the answer must hold; "" for any
	accepted   bool   // the handler must run for it (once)

	gotStatus int
	gotBody   string
	err       error
}

func runDemo(c *cli, args []string) error {
	fs := newFlagSet("demo")
	if err := c.parse(fs, demoUsage, args); err != nil {
		return err
	}
	start := time.Now()
	secret, err := core.GenerateSecret()
	if err != nil {
		return err
	}
	verifier, err := core.NewVerifier(secret)
	if err != nil {
		return err
	}
	signer, err := core.NewSigner(secret)
	if err != nil {
		return err
	}

	// The receiver: what an application writes, plus a record of what its handler saw.
	var mu sync.Mutex
	ran := map[string]int{} // webhook-id → handler runs
	mux := core.NewMux()
	mux.Fallback(core.HandlerFunc(func(_ context.Context, e *core.Event) error {
		if data := core.NewData(e.Type); data != nil {
			dec := json.NewDecoder(bytes.NewReader(e.Data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(data); err != nil {
				return fmt.Errorf("the data of %s does not fit %T: %w", e.Type, data, err)
			}
		}
		mu.Lock()
		ran[e.WebhookID]++
		mu.Unlock()
		return nil
	}))
	const path = "/webhooks/openai"
	routes := http.NewServeMux()
	routes.Handle("POST "+path, nethttp.Handler(verifier, mux,
		nethttp.WithIdempotency(idempotency.NewMemoryStore()),
		nethttp.WithLogger(slog.New(slog.DiscardHandler))))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening on loopback: %w", err)
	}
	srv := newServer(routes)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-serveErr
	}()
	url := "http://" + ln.Addr().String() + path

	fmt.Fprintf(c.stdout, "%s demo: a receiver and a sender in one process, over loopback\n\n", progName)
	fmt.Fprintf(c.stdout, "receiver  %s\n", url)
	fmt.Fprintf(c.stdout, "          nethttp.Handler → core.Mux, idempotency.MemoryStore, body limit 1 MiB, tolerance %s\n", core.DefaultTolerance)
	fmt.Fprintf(c.stdout, "secret    %s (made for this run by core.GenerateSecret)\n\n", secrethint.Of(secret))

	deliveries := demoDeliveries(signer, c.now())
	client := &http.Client{Timeout: 10 * time.Second}
	for _, d := range deliveries {
		status, body, err := postDelivery(context.Background(), client, url, d.h, d.body)
		d.gotStatus, d.gotBody, d.err = status, string(body), err
	}

	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tSENT\tWANT\tGOT\tRESULT\tWHY (the receiver's answer)")
	var wrong []int
	for i, d := range deliveries {
		result := "ok"
		if !d.asExpected() {
			result = "WRONG"
			wrong = append(wrong, i+1)
		}
		got := fmt.Sprint(d.gotStatus)
		if d.err != nil {
			got = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\n", i+1, d.label, d.wantStatus, got, result, d.why())
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	// The handler must have run exactly once for each accepted delivery, and for no other.
	mu.Lock()
	var runs, accepted int
	var handlerProblems []string
	for i, d := range deliveries {
		n := ran[d.h.ID]
		if d.accepted {
			accepted++
			if n != 1 {
				handlerProblems = append(handlerProblems, fmt.Sprintf("row %d: the handler ran %d times, want once", i+1, n))
			}
		}
	}
	for _, n := range ran {
		runs += n
	}
	mu.Unlock()
	if runs != accepted {
		handlerProblems = append(handlerProblems, fmt.Sprintf("the handler ran %d times in all, want %d (once per accepted delivery)", runs, accepted))
	}

	fmt.Fprintf(c.stdout, "\n%d of %d answers as expected. The handler ran %d times: once per accepted delivery, not for the duplicate.\n",
		len(deliveries)-len(wrong), len(deliveries), runs)
	if len(wrong) > 0 || len(handlerProblems) > 0 {
		for _, p := range handlerProblems {
			fmt.Fprintf(c.stdout, "problem: %s\n", p)
		}
		fmt.Fprintf(c.stdout, "FAIL: rows %v did not get the expected answer (%s)\n", wrong, time.Since(start).Round(time.Millisecond))
		return errReported
	}
	fmt.Fprintf(c.stdout, "PASS (%s)\n\n", time.Since(start).Round(time.Millisecond))
	name := commandName()
	fmt.Fprintf(c.stdout, "Next: run a receiver with '%s listen' and send it deliveries with '%s send --type <type>'.\n", name, name)
	return nil
}

func (d *demoDelivery) asExpected() bool {
	return d.err == nil && d.gotStatus == d.wantStatus && bytes.Contains([]byte(d.gotBody), []byte(d.wantBody))
}

// why is the answer's error message, or its body when it is not an error.
func (d *demoDelivery) why() string {
	if d.err != nil {
		return "request failed: " + d.err.Error()
	}
	var answer struct {
		Error string `json:"error"`
	}
	if json.Unmarshal([]byte(d.gotBody), &answer) == nil && answer.Error != "" {
		return answer.Error
	}
	return d.gotBody
}

// demoDeliveries builds every row of the demo.
func demoDeliveries(signer *core.Signer, now time.Time) []*demoDelivery {
	var out []*demoDelivery
	good := func(label string, body []byte) *demoDelivery {
		d := &demoDelivery{label: label, body: body, h: signer.Headers(core.NewWebhookID(), now, body),
			wantStatus: http.StatusOK, wantBody: `"received":true`, accepted: true}
		out = append(out, d)
		return d
	}
	batch := 0
	for _, t := range core.KnownEventTypes() {
		good(string(t), sampleEvent(t, now))
		if t == core.BatchCompleted {
			batch = len(out) - 1
		}
	}
	good("new type example.thing.created (passes through)", sampleEvent("example.thing.created", now))

	out = append(out, &demoDelivery{
		label: fmt.Sprintf("duplicate of #%d (same webhook-id)", batch+1),
		h:     out[batch].h, body: out[batch].body,
		wantStatus: http.StatusOK, wantBody: `"duplicate":true`,
	})

	forgedSecret, _ := core.GenerateSecret()
	forger, _ := core.NewSigner(forgedSecret)
	body := sampleEvent(core.BatchCompleted, now)
	out = append(out, &demoDelivery{
		label: "forged: signed with another secret",
		h:     forger.Headers(core.NewWebhookID(), now, body), body: body,
		wantStatus: http.StatusBadRequest, wantBody: "no matching webhook signature",
	})

	body = sampleEvent(core.ResponseCompleted, now)
	h := signer.Headers(core.NewWebhookID(), now, body)
	tampered := bytes.Replace(body, []byte(`"resp_`), []byte(`"resp_0000`), 1)
	out = append(out, &demoDelivery{
		label: "tampered: body changed after signing",
		h:     h, body: tampered,
		wantStatus: http.StatusBadRequest, wantBody: "no matching webhook signature",
	})

	body = sampleEvent(core.BatchCompleted, now.Add(-10*time.Minute))
	out = append(out, &demoDelivery{
		label: "stale: timestamp 10 minutes old",
		h:     signer.Headers(core.NewWebhookID(), now.Add(-10*time.Minute), body), body: body,
		wantStatus: http.StatusBadRequest, wantBody: "too old",
	})

	body = sampleEvent(core.BatchCompleted, now)
	h = signer.Headers(core.NewWebhookID(), now, body)
	h.Signature = ""
	out = append(out, &demoDelivery{
		label: "unsigned: no webhook-signature header",
		h:     h, body: body,
		wantStatus: http.StatusBadRequest, wantBody: "missing webhook header",
	})

	body = oversizedEvent(now, 1<<20+1)
	out = append(out, &demoDelivery{
		label: "oversized: 1 MiB + 1 byte body, signed",
		h:     signer.Headers(core.NewWebhookID(), now, body), body: body,
		wantStatus: http.StatusRequestEntityTooLarge, wantBody: "too large",
	})
	return out
}

// oversizedEvent returns a batch.completed event padded to exactly size bytes.
func oversizedEvent(now time.Time, size int) []byte {
	base := eventBody(newID("evt_", now), core.BatchCompleted, now, obj{{"id", newID("batch_", now)}, {"padding", ""}})
	pad := size - len(base)
	if pad < 0 {
		pad = 0
	}
	return bytes.Replace(base, []byte(`"padding": ""`), []byte(`"padding": "`+string(bytes.Repeat([]byte("x"), pad))+`"`), 1)
}
