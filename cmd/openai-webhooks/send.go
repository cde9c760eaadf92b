package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/forward"
)

const defaultURL = "http://localhost:3000/webhooks/openai"

var sendUsage = cmdUsage{
	name:     "send",
	synopsis: "[--type TYPE | --data JSON | --file FILE] [--url URL] [--secret whsec_…] [--id ID] | --repeat [--url URL]",
	about: `Signs a delivery the way OpenAI does and POSTs it: a realistic sample of any event
type (--type; see 'openai-webhooks events'), or your own body (--data, or --file, "-"
for standard input), sent byte for byte. Prints what was sent, the status and the body
of the answer. Exits 1 when the answer is not 2xx or the receiver cannot be reached.

The secret is --secret, else $OPENAI_WEBHOOK_SECRET; one of them is required.

--repeat sends the previous delivery again as OpenAI retries one: the same webhook-id
and the same body, with a fresh timestamp and signature, to the same URL (or --url).
That is the duplicate an idempotent receiver must acknowledge without handling it twice.
--id alone is not a retry: it reuses the webhook-id but sends a new event (new event id,
new body). Date a delivery with --timestamp (Unix seconds) to see a stale one rejected.`,
	examples: `openai-webhooks send --secret whsec_… --type batch.completed
openai-webhooks send --type realtime.call.incoming --url http://localhost:8080/hooks
openai-webhooks send --repeat            # the previous delivery again, as an OpenAI retry
openai-webhooks send --file captured.json --id wh_123   # run twice: the same id and body
openai-webhooks send --type response.completed --timestamp $(( $(date +%s) - 600 ))`,
}

func runSend(c *cli, args []string) error {
	fs := newFlagSet("send")
	url := fs.String("url", defaultURL, "the receiver's `URL`")
	secretFlag := fs.String("secret", "", "signing `SECRET` (whsec_…, or whsk_… to sign v1a); default $"+core.EnvSecret)
	typ := fs.String("type", string(core.BatchCompleted), "event `TYPE` of the sample body")
	data := fs.String("data", "", "send this `JSON` body instead of a sample")
	file := fs.String("file", "", "send the body of this `FILE` instead of a sample (- for standard input)")
	id := fs.String("id", "", "the webhook-id `ID` to send (default a new wh_… id); alone it sends a new event under that id, see --repeat for a retry")
	repeat := fs.Bool("repeat", false, "send the previous delivery again as OpenAI retries: same webhook-id and body, fresh timestamp and signature")
	timestamp := fs.Int64("timestamp", 0, "the webhook-timestamp in Unix `SECONDS` (default now)")
	timeout := fs.Duration("timeout", 20*time.Second, "how long to wait for the answer")
	if err := c.parse(fs, sendUsage, args); err != nil {
		return err
	}
	if *repeat {
		for _, name := range []string{"type", "data", "file", "id", "timestamp"} {
			if flagWasSet(fs, name) {
				return usageErrorf("--repeat sends the previous delivery unchanged but for its timestamp and signature; it cannot be combined with --%s", name)
			}
		}
	}
	if flagWasSet(fs, "data") && flagWasSet(fs, "file") {
		return usageErrorf("give the body with --data or --file, not both")
	}
	custom := flagWasSet(fs, "data") || flagWasSet(fs, "file")
	if custom && flagWasSet(fs, "type") {
		return usageErrorf("--type makes a sample body; it cannot be combined with --data or --file")
	}
	if strings.TrimSpace(*typ) == "" {
		return usageErrorf("--type is empty; see 'openai-webhooks events' for the types")
	}
	signer, err := c.signerFrom(*secretFlag)
	if err != nil {
		return err
	}
	now := c.now()
	ts := now
	if flagWasSet(fs, "timestamp") {
		ts = time.Unix(*timestamp, 0)
	}
	var body []byte
	var webhookID string
	eventType := core.EventType(*typ)
	switch {
	case *repeat:
		last, err := loadLastDelivery()
		if err != nil {
			return err
		}
		body, webhookID = last.Body, last.WebhookID
		if !flagWasSet(fs, "url") {
			*url = last.URL
		}
		custom = true
		fmt.Fprintf(c.stdout, "repeating the delivery first sent at %s, as an OpenAI retry\n", last.SentAt.Format(time.RFC3339))
	case flagWasSet(fs, "data"):
		body = []byte(*data)
	case flagWasSet(fs, "file"):
		if body, err = c.readBody(*file); err != nil {
			return err
		}
	default:
		if !eventType.Known() {
			fmt.Fprintf(c.stderr, "note: %q is not a known event type; sending it with thin data, as OpenAI would a new type (a receiver must accept it)\n", *typ)
		}
		body = sampleEvent(eventType, ts)
	}
	if webhookID == "" {
		webhookID = *id
	}
	if webhookID == "" {
		webhookID = core.NewWebhookID()
	}
	h := signer.Headers(webhookID, ts, body)
	if !*repeat {
		if err := saveLastDelivery(lastDelivery{URL: *url, WebhookID: webhookID, Body: body, SentAt: now}); err != nil {
			fmt.Fprintf(c.stderr, "note: --repeat will not find this delivery: %v\n", err)
		}
	}

	what := "body"
	if e, err := core.ParseEvent(body); err == nil {
		what = fmt.Sprintf("%s %s", e.Type, e.ID)
	}
	fmt.Fprintf(c.stdout, "POST %s\n", *url)
	fmt.Fprintf(c.stdout, "  %s, webhook-id %s, timestamp %s, %d bytes\n", what, h.ID, h.Timestamp, len(body))
	if !custom {
		fmt.Fprintf(c.stdout, "  %s\n", body)
	}

	client := &http.Client{Timeout: *timeout}
	status, respBody, err := postDelivery(context.Background(), client, *url, h, body)
	if err != nil {
		hint := ""
		if errors.Is(err, syscall.ECONNREFUSED) {
			hint = "; is a receiver running there? Start one with 'openai-webhooks listen'"
		}
		return fmt.Errorf("POST %s: %w%s", *url, err, hint)
	}
	fmt.Fprintf(c.stdout, "%d %s\n", status, http.StatusText(status))
	if len(respBody) > 0 {
		fmt.Fprintf(c.stdout, "%s\n", bytes.TrimRight(respBody, "\n"))
	}
	if status < 200 || status > 299 {
		return errReported
	}
	return nil
}

// postDelivery POSTs body with the webhook headers and returns the status and up to
// 64 KiB of the answer.
func postDelivery(ctx context.Context, client *http.Client, url string, h core.Headers, body []byte) (int, []byte, error) {
	header := http.Header{"Content-Type": {"application/json"}}
	// Only the headers that have a value: the demo's unsigned delivery has none.
	for name, value := range map[string]string{core.HeaderID: h.ID, core.HeaderTimestamp: h.Timestamp, core.HeaderSignature: h.Signature} {
		if value != "" {
			header.Set(name, value)
		}
	}
	res := forward.Post(ctx, client, url, header, body)
	const shown = 64 << 10
	if len(res.Body) > shown {
		res.Body = res.Body[:shown]
	}
	return res.Status, res.Body, res.Err
}
