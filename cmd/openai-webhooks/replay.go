package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/capture"
	"github.com/webhookkit/openai-webhooks/internal/forward"
	"github.com/webhookkit/openai-webhooks/internal/textcut"
)

var replayUsage = cmdUsage{
	name:     "replay",
	synopsis: "FILE|DIR… --to URL [--secret whsec_…] [--force]",
	about: `Sends captured deliveries again: files saved by 'listen --capture' (or any raw HTTP
request that 'verify --request' reads), a directory standing for its *.http files in
name order, which is their arrival order.

Without a secret each delivery goes out exactly as it was captured: the same body and
the same webhook-id, webhook-timestamp, webhook-signature and content-type. That is a
true replay, and a receiver refuses it once its timestamp is older than the tolerance
(5 minutes): the output says so. With --secret (or $OPENAI_WEBHOOK_SECRET) each
delivery whose signature verifies under that secret (however old it is) is re-signed
with a fresh timestamp, the same webhook-id and the same body, so a receiver with that
secret accepts it as a redelivery. Any other delivery (a forgery POSTed to your
tunnel, or one signed with another secret) is sent as captured, and refused again:
re-signing it would sign whatever anyone sent. --force re-signs it anyway.

Prints one line per delivery: the file, the webhook-id, the status, the latency and
the first bytes of the answer. Exits 1 when any delivery was not answered 2xx,
including one that could not be sent (the receiver unreachable, an unreadable file);
the others are still sent.`,
	examples: `openai-webhooks replay captures/ --to http://localhost:8080/webhooks/openai --secret whsec_…
openai-webhooks replay captures/000003-20261206T101500.123Z-wh_abc.http --to http://localhost:8080/webhooks/openai`,
}

func runReplay(c *cli, args []string) error {
	fs := newFlagSet("replay")
	to := fs.String("to", "", "send the deliveries to this `URL` (required)")
	secretFlag := fs.String("secret", "", "re-sign each delivery with this `SECRET` (whsec_…) and a fresh timestamp; default $"+core.EnvSecret+", else send them as captured")
	force := fs.Bool("force", false, "re-sign even the deliveries whose signature does not verify under the secret")
	timeout := fs.Duration("timeout", 20*time.Second, "how long to wait for each answer")
	paths, err := c.parseInterleaved(fs, replayUsage, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageErrorf("nothing to replay: give capture files or directories (as saved by 'listen --capture')")
	}
	if *to == "" {
		return usageErrorf("--to URL is required: where to send the deliveries")
	}
	target, err := parseTargetURL("--to", *to)
	if err != nil {
		return err
	}
	var signer *core.Signer
	if secret, source, ok := c.secretFrom(*secretFlag); ok {
		if signer, err = core.NewSigner(secret); err != nil {
			return fmt.Errorf("the secret from %s: %w", source, err)
		}
	} else if *force {
		return usageErrorf("--force re-signs with the secret: give --secret whsec_… or set %s", core.EnvSecret)
	}
	files, err := capture.Files(paths)
	if err != nil {
		return err
	}
	client := forward.NewClient(*timeout)
	failed := 0
	for _, file := range files {
		if !c.replayOne(client, target, signer, *force, file) {
			failed++
		}
	}
	if len(files) > 1 {
		fmt.Fprintf(c.stdout, "%d of %d replayed deliveries answered 2xx\n", len(files)-failed, len(files))
	}
	if failed > 0 {
		return errReported
	}
	return nil
}

// replayOne sends one capture file and prints its line; it reports whether the answer
// was 2xx. With a signer, a genuine delivery (or any, with force) is re-signed.
func (c *cli) replayOne(client *http.Client, target string, signer *core.Signer, force bool, file string) bool {
	raw, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(c.stdout, "%s  not sent: %v\n", file, err)
		return false
	}
	captured, err := capture.Parse(raw)
	if err != nil {
		fmt.Fprintf(c.stdout, "%s  not sent: %v\n", file, err)
		return false
	}
	header := captured.Header.Clone()
	h := core.HeadersFrom(header)
	how := "as captured"
	resign := signer != nil && (force || signedBy(signer, h, captured.Body))
	if signer != nil && !resign {
		how = "as captured (not re-signed: its signature does not verify under the secret; --force re-signs it)"
	}
	if resign {
		id := h.ID
		if id == "" {
			id = core.NewWebhookID()
		}
		signer.Headers(id, c.now(), captured.Body).Set(header)
		h = core.HeadersFrom(header)
		how = "re-signed"
	}
	if header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/json")
	}
	res := forward.Post(context.Background(), client, target, header, captured.Body)
	// The capture holds what a sender chose: its webhook-id reaches the terminal escaped.
	prefix := fmt.Sprintf("%s  webhook-id %s  %s", file, textcut.Printable(orNone(h.ID)), how)
	if res.Status == 0 {
		fmt.Fprintf(c.stdout, "%s  not answered: %s\n", prefix, forward.UnreachableHint(res.Err))
		return false
	}
	fmt.Fprintf(c.stdout, "%s  %d %s  %s  %s\n", prefix, res.Status, http.StatusText(res.Status), formatLatency(res.Latency), answerStart(res.Body))
	for _, note := range captured.Notes {
		fmt.Fprintf(c.stdout, "  note: %s\n", note)
	}
	if signer == nil && res.Status == http.StatusBadRequest && bytes.Contains(bytes.ToLower(res.Body), []byte("timestamp")) {
		age := ""
		if ts, err := core.ParseTimestamp(h.Timestamp); err == nil {
			age = fmt.Sprintf(" (signed %s ago)", c.now().Sub(ts).Truncate(time.Second))
		}
		fmt.Fprintf(c.stdout, "  refused as stale: the receiver checks webhook-timestamp%s against its tolerance, and a replay as captured keeps the original one. Replay with --secret whsec_… (or %s) to re-sign it with a fresh timestamp.\n", age, core.EnvSecret)
	}
	return res.Status >= 200 && res.Status <= 299
}

// answerStart is the first bytes of an answer, on one line.
func answerStart(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if s == "" {
		return "(empty answer)"
	}
	return textcut.Printable(textcut.Truncate(s, 120))
}

// signedBy reports whether h's signature of body is one signer makes: the delivery is
// genuine under the secret, whatever its age. Signing is deterministic (HMAC, ed25519),
// so this also holds for a whsk_ signing key, which no verifier takes.
func signedBy(signer *core.Signer, h core.Headers, body []byte) bool {
	h = h.Trim() // what a verifier reads
	ts, err := core.ParseTimestamp(h.Timestamp)
	if err != nil || strconv.FormatInt(ts.Unix(), 10) != h.Timestamp {
		return false // a timestamp the signer would write differently: it did not sign this one
	}
	want := signer.Sign(h.ID, ts, body)
	for _, entry := range strings.Fields(h.Signature) {
		if subtle.ConstantTimeCompare([]byte(entry), []byte(want)) == 1 {
			return true
		}
	}
	return false
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// parseInterleaved parses flags and positional arguments in any order (replay FILE…
// --to URL), unlike c.parse, which takes flags only.
func (c *cli) parseInterleaved(fs *flag.FlagSet, u cmdUsage, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printUsage(c.stdout, fs, u)
				return nil, errHelp
			}
			return nil, &usageError{msg: flagError(err, args)}
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
