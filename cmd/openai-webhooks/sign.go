package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/webhooktest"
)

var signUsage = cmdUsage{
	name:     "sign",
	synopsis: "[--file FILE] [--secret whsec_…] [--id ID] [--timestamp UNIX] [--curl URL | --lambda v2|url|v1|alb [--base64] [--path PATH]]",
	about: `Signs a body exactly as given, byte for byte, from --file or standard input, and
prints the three headers of the delivery:

  webhook-id: wh_…
  webhook-timestamp: 1750861210
  webhook-signature: v1,…

With --curl URL it prints a ready curl command instead, which sends the same bytes: the
file with --data-binary @FILE, or the body from standard input shell-quoted. A
receiver accepts the delivery for 5 minutes after its timestamp.

With --lambda SOURCE it prints the delivery as the JSON event that an HTTP front of
AWS Lambda sends a function, ready for 'aws lambda invoke' or the Lambda runtime
interface emulator: v2 an API Gateway HTTP API (payload 2.0), url a function URL, v1 an
API Gateway REST API (payload 1.0, proxy integration), alb an Application Load Balancer
target group. --base64 carries the body base64-encoded (isBase64Encoded), as HTTP APIs
and function URLs often do; --path sets the request path (default /webhooks/openai).
Go tests build the same events with the webhooktest package (Delivery.LambdaPayload).

The secret is --secret, else $OPENAI_WEBHOOK_SECRET; one of them is required.`,
	examples: `openai-webhooks sign --file event.json
openai-webhooks sign --file event.json --curl http://localhost:3000/webhooks/openai | sh
printf '%s' '{"id": "evt_1", "object": "event", "type": "batch.completed", "data": {}}' | openai-webhooks sign
openai-webhooks sign --file event.json --lambda url --base64 > payload.json
aws lambda invoke --function-name openai-webhooks --cli-binary-format raw-in-base64-out --payload file://payload.json out.json
curl -sS -d @payload.json http://localhost:9000/2015-03-31/functions/function/invocations`,
}

func runSign(c *cli, args []string) error {
	fs := newFlagSet("sign")
	file := fs.String("file", "", "read the body from this `FILE` (default standard input)")
	secretFlag := fs.String("secret", "", "signing `SECRET` (whsec_…, or whsk_… to sign v1a); default $"+core.EnvSecret)
	id := fs.String("id", "", "the webhook-id `ID` (default a new wh_… id)")
	timestamp := fs.Int64("timestamp", 0, "the webhook-timestamp in Unix `SECONDS` (default now)")
	curlURL := fs.String("curl", "", "print a curl command that POSTs the delivery to `URL`")
	lambdaSource := fs.String("lambda", "", "print the delivery as the Lambda event of `SOURCE`: v2, url, v1 or alb")
	base64Body := fs.Bool("base64", false, "with --lambda: carry the body base64-encoded (isBase64Encoded)")
	path := fs.String("path", defaultLambdaPath, "with --lambda: the request `PATH`")
	if err := c.parse(fs, signUsage, args); err != nil {
		return err
	}
	if flagWasSet(fs, "curl") && strings.TrimSpace(*curlURL) == "" {
		return usageErrorf("--curl needs the receiver's URL")
	}
	lambdaOpts, err := lambdaOptions(fs, *lambdaSource, *base64Body, *path)
	if err != nil {
		return err
	}
	signer, err := c.signerFrom(*secretFlag)
	if err != nil {
		return err
	}
	body, err := c.readBody(*file)
	if err != nil {
		return err
	}
	if *lambdaSource != "" && !*base64Body && !utf8.Valid(body) {
		// As JSON text its invalid bytes would become U+FFFD: the event would carry
		// another body than the one signed.
		return usageErrorf("the body is not valid UTF-8, so a Lambda event cannot carry it as text: add --base64 (isBase64Encoded), which carries it byte for byte")
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
	if *lambdaSource != "" {
		return c.printLambdaEvent(webhooktest.Delivery{Body: body, Headers: h}, webhooktest.LambdaSource(*lambdaSource), lambdaOpts, ts)
	}
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

const defaultLambdaPath = "/webhooks/openai"

// lambdaOptions checks the --lambda flags and returns webhooktest's options for them.
func lambdaOptions(fs *flag.FlagSet, source string, base64Body bool, path string) ([]webhooktest.LambdaOption, error) {
	if source == "" {
		for _, name := range []string{"lambda", "base64", "path"} {
			if flagWasSet(fs, name) {
				return nil, usageErrorf("--%s needs --lambda v2|url|v1|alb", name)
			}
		}
		return nil, nil
	}
	if flagWasSet(fs, "curl") {
		return nil, usageErrorf("--curl and --lambda print different things: give one of them")
	}
	if !slices.Contains(webhooktest.LambdaSources(), webhooktest.LambdaSource(source)) {
		return nil, usageErrorf("unknown --lambda source %q: want v2 (HTTP API), url (function URL), v1 (REST API) or alb", source)
	}
	if !strings.HasPrefix(path, "/") {
		return nil, usageErrorf("--path %q must start with /", path)
	}
	opts := []webhooktest.LambdaOption{webhooktest.WithLambdaPath(path)}
	if base64Body {
		opts = append(opts, webhooktest.WithBase64Body())
	}
	return opts, nil
}

// printLambdaEvent prints the delivery as src's event, indented for reading; Lambda and
// the emulator take it as it is.
func (c *cli) printLambdaEvent(d webhooktest.Delivery, src webhooktest.LambdaSource, opts []webhooktest.LambdaOption, ts time.Time) error {
	var out bytes.Buffer
	if err := json.Indent(&out, d.LambdaPayload(src, opts...), "", "  "); err != nil {
		return fmt.Errorf("the Lambda event does not format: %w", err)
	}
	out.WriteByte('\n')
	if _, err := c.stdout.Write(out.Bytes()); err != nil {
		return err
	}
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
