package main

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

var signUsage = cmdUsage{
	name:     "sign",
	synopsis: "[--file FILE] [--secret whsec_…] [--id ID] [--timestamp UNIX] [--curl URL]",
	about: `Signs a body exactly as given, byte for byte, from --file or standard input, and
prints the three headers of the delivery:

  webhook-id: wh_…
  webhook-timestamp: 1750861210
  webhook-signature: v1,…

With --curl URL it prints a ready curl command instead, which sends the same bytes: the
file with --data-binary @FILE, or the body from standard input shell-quoted. A
receiver accepts the delivery for 5 minutes after its timestamp.

The secret is --secret, else $OPENAI_WEBHOOK_SECRET; one of them is required.`,
	examples: `openai-webhooks sign --file event.json
openai-webhooks sign --file event.json --curl http://localhost:3000/webhooks/openai | sh
printf '%s' '{"id": "evt_1", "object": "event", "type": "batch.completed", "data": {}}' | openai-webhooks sign`,
}

func runSign(c *cli, args []string) error {
	fs := newFlagSet("sign")
	file := fs.String("file", "", "read the body from this `FILE` (default standard input)")
	secretFlag := fs.String("secret", "", "signing `SECRET` (whsec_…, or whsk_… to sign v1a); default $"+core.EnvSecret)
	id := fs.String("id", "", "the webhook-id `ID` (default a new wh_… id)")
	timestamp := fs.Int64("timestamp", 0, "the webhook-timestamp in Unix `SECONDS` (default now)")
	curlURL := fs.String("curl", "", "print a curl command that POSTs the delivery to `URL`")
	if err := c.parse(fs, signUsage, args); err != nil {
		return err
	}
	if flagWasSet(fs, "curl") && strings.TrimSpace(*curlURL) == "" {
		return usageErrorf("--curl needs the receiver's URL")
	}
	signer, err := c.signerFrom(*secretFlag)
	if err != nil {
		return err
	}
	body, err := c.readBody(*file)
	if err != nil {
		return err
	}
	ts := c.now()
	if flagWasSet(fs, "timestamp") {
		ts = time.Unix(*timestamp, 0)
	}
	webhookID := *id
	if webhookID == "" {
		webhookID = core.NewWebhookID()
	}
	h := signer.Headers(webhookID, ts, body)
	if *curlURL == "" {
		fmt.Fprintf(c.stdout, "%s: %s\n%s: %s\n%s: %s\n", core.HeaderID, h.ID, core.HeaderTimestamp, h.Timestamp, core.HeaderSignature, h.Signature)
		return nil
	}
	var data string
	if *file != "" && *file != "-" {
		data = "@" + *file
	} else {
		if bytes.IndexByte(body, 0) >= 0 {
			return fmt.Errorf("the body holds a NUL byte, which no shell argument can carry; save it to a file and sign with --file, so curl sends it with --data-binary @FILE")
		}
		if len(body) > 0 && body[0] == '@' {
			return fmt.Errorf("the body starts with '@', which curl reads as a file name; save it to a file and sign with --file")
		}
		data = string(body)
	}
	fmt.Fprintf(c.stdout, "curl -sS -X POST %s \\\n  -H %s \\\n  -H %s \\\n  -H %s \\\n  -H %s \\\n  --data-binary %s\n",
		shellQuote(*curlURL),
		shellQuote("content-type: application/json"),
		shellQuote(core.HeaderID+": "+h.ID),
		shellQuote(core.HeaderTimestamp+": "+h.Timestamp),
		shellQuote(core.HeaderSignature+": "+h.Signature),
		shellQuote(data))
	fmt.Fprintf(c.stderr, "# signed at %s: a receiver accepts it until %s (5 minutes)\n",
		ts.Format(time.RFC3339), ts.Add(core.DefaultTolerance).Format(time.TimeOnly))
	return nil
}

// shellQuote quotes s for a POSIX shell: single quotes keep every byte but the single
// quote itself, for which the quoting is closed, a backslash-escaped quote written, and
// the quoting reopened.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@=+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
