package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
	"github.com/webhookkit/openai-webhooks/internal/capture"
	"github.com/webhookkit/openai-webhooks/internal/textcut"
)

var verifyUsage = cmdUsage{
	name:     "verify",
	synopsis: "(--request FILE | --file FILE --id ID --timestamp TS --signature SIG) [--secret whsec_…] [--now UNIX]",
	about: `Checks a captured delivery the way the library does, and when it fails says which
check failed and why: it reports each check (headers, secret, timestamp, signature,
event) and, for a signature that does not match, rebuilds what the sender may have
signed until one alternative matches:

  - the secret used as text instead of base64-decoded, with or without "whsec_",
    or decoded with its prefix, or quoted;
  - the body re-serialised as JSON (compact, indented, keys sorted, escaped, ...);
  - a final newline or CRLF added or lost, CRLF and LF line endings converted, a BOM;
  - the timestamp re-formatted (milliseconds, a float, a date, padding);
  - the signature hex, URL-safe or unpadded base64, or without its "v1," prefix.

Nothing matching means the delivery was signed with another secret. A valid signature
with a timestamp out of tolerance is clock skew or a replay: it says by how many
seconds. Check a recorded delivery at the time it was sent with --now.

Give the body with --file and the three headers with --id, --timestamp and
--signature, or a whole saved HTTP request with --request (request line, headers, a
blank line and the body; CRLF or LF line endings). Header flags override the
request's headers. The secret is --secret, else $OPENAI_WEBHOOK_SECRET.`,
	examples: `openai-webhooks verify --request delivery.http --secret whsec_…
openai-webhooks verify --file body.json --id wh_… --timestamp 1750861210 --signature 'v1,…'
openai-webhooks verify --request delivery.http --now 1750861210   # a recorded delivery`,
}

// verifyReport is what verify prints: the diagnosis, the library's answer, and what
// was assumed while reading the input.
type verifyReport struct {
	answer string // what a receiver built with the library answers, when it refuses
	checks []diagnose.Check
	notes  []string
	causes []string
}

// print writes the report with lines of at most width columns (a word longer than the
// line, such as a long header value, stays whole).
//
// The report quotes the request's headers, which a sender chose: each text is escaped
// (textcut.Printable) before it reaches a terminal.
func (r *verifyReport) print(w io.Writer, headline string, width int) {
	fmt.Fprintf(w, "verify: %s\n", textcut.Printable(headline))
	const checkIndent = 2 + 10 + 1 + 5 + 1 // "  <name>     <stat> "
	for _, c := range r.checks {
		fmt.Fprintf(w, "  %-10s %-5s %s\n", c.Name, c.Status, wrap(textcut.Printable(c.Detail), width, checkIndent, strings.Repeat(" ", checkIndent)))
	}
	if r.answer != "" {
		fmt.Fprintf(w, "  %-10s %s\n", "answer", wrap(textcut.Printable(r.answer), width, 13, strings.Repeat(" ", 13)))
	}
	for _, n := range r.notes {
		fmt.Fprintf(w, "note: %s\n", wrap(textcut.Printable(n), width, len("note: "), "  "))
	}
	for _, c := range r.causes {
		fmt.Fprintf(w, "cause: %s\n", wrap(textcut.Printable(c), width, len("cause: "), "  "))
	}
}

// terminalWidth is the width to wrap text at: $COLUMNS when it is a number of at least
// 40 (shells set it for the terminal), else 80.
func (c *cli) terminalWidth() int {
	if v, ok := c.lookupEnv("COLUMNS"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 40 {
			return n
		}
	}
	return 80
}

func runVerify(c *cli, args []string) error {
	fs := newFlagSet("verify")
	file := fs.String("file", "", "the body, byte for byte, from this `FILE` (- for standard input)")
	request := fs.String("request", "", "a saved raw HTTP request `FILE` (- for standard input)")
	id := fs.String("id", "", "the webhook-id `VALUE`")
	timestamp := fs.String("timestamp", "", "the webhook-timestamp `VALUE`, exactly as received")
	signature := fs.String("signature", "", "the webhook-signature `VALUE`")
	secretFlag := fs.String("secret", "", "signing `SECRET` (whsec_… or whpk_…); default $"+core.EnvSecret)
	nowFlag := fs.Int64("now", 0, "check the timestamp against this Unix time in `SECONDS` instead of the clock")
	tolerance := fs.Duration("tolerance", core.DefaultTolerance, "how far the timestamp may be from now")
	if err := c.parse(fs, verifyUsage, args); err != nil {
		return err
	}
	switch {
	case flagWasSet(fs, "file") && flagWasSet(fs, "request"):
		return usageErrorf("give the body with --file or a whole request with --request, not both")
	case !flagWasSet(fs, "file") && !flagWasSet(fs, "request"):
		return usageErrorf("nothing to verify: give a saved request with --request FILE, or the body with --file FILE and the headers with --id, --timestamp and --signature")
	case *tolerance < 0:
		return usageErrorf("--tolerance %v is negative", *tolerance)
	}
	secret, _, ok := c.secretFrom(*secretFlag)
	if !ok {
		return usageErrorf("no secret: give --secret whsec_… or set %s", core.EnvSecret)
	}
	now := c.now().Truncate(time.Second) // whole seconds, as timestamps are: the report and core agree to the second
	if flagWasSet(fs, "now") {
		now = time.Unix(*nowFlag, 0)
	}

	var notes []string
	var h core.Headers
	var body []byte
	var reqHeader http.Header
	if flagWasSet(fs, "request") {
		raw, err := c.readRequestFile(*request)
		if err != nil {
			return err
		}
		captured, err := capture.Parse(raw)
		if err != nil {
			return fmt.Errorf("--request %s: %w", *request, err)
		}
		body, reqHeader, h = captured.Body, captured.Header, core.HeadersFrom(captured.Header)
		notes = captured.Notes
	} else {
		if !flagWasSet(fs, "id") && !flagWasSet(fs, "timestamp") && !flagWasSet(fs, "signature") {
			return usageErrorf("--file gives the body only: give the headers too, with --id, --timestamp and --signature (or a whole request with --request)")
		}
		var err error
		if body, err = c.readBody(*file); err != nil {
			return err
		}
	}
	if flagWasSet(fs, "id") {
		h.ID = *id
	}
	if flagWasSet(fs, "timestamp") {
		h.Timestamp = *timestamp
	}
	if flagWasSet(fs, "signature") {
		h.Signature = *signature
	}

	d := diagnose.Secret(secret, diagnose.Delivery{Body: body, Headers: h, Header: reqHeader}, diagnose.At(now), diagnose.Tolerance(*tolerance))
	report := newVerifyReport(d, reqHeader)
	report.notes = notes
	report.print(c.stdout, headline(d), c.terminalWidth())
	if !d.OK() {
		return errReported
	}
	return nil
}

// reportText is the report verify prints for diagnosis d of a delivery with header,
// wrapped at width: the inspector shows it beside a refused delivery.
func reportText(d *diagnose.Report, header http.Header, width int) string {
	var b strings.Builder
	newVerifyReport(d, header).print(&b, headline(d), width)
	return b.String()
}

// newVerifyReport turns a diagnosis into verify's report.
func newVerifyReport(d *diagnose.Report, reqHeader http.Header) *verifyReport {
	r := &verifyReport{checks: d.Checks, causes: causeLines(d, reqHeader)}
	if !d.OK() {
		r.answer = answerFor(d.Err)
	}
	return r
}

func (c *cli) readRequestFile(path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(c.stdin)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the request: %w", err)
	}
	return b, nil
}

// headline is the first line of verify's report, after "verify: ".
func headline(d *diagnose.Report) string {
	if d.OK() {
		e := d.Event
		return fmt.Sprintf("OK: a genuine delivery, %s %s (webhook-id %s)", e.Type, e.ID, e.WebhookID)
	}
	if failed, ok := d.FirstFailure(); ok {
		return fmt.Sprintf("FAILED at the %s check", failed.Name)
	}
	return "FAILED"
}

// answerFor says what a receiver answers to a delivery refused with err.
func answerFor(err error) string {
	if errors.Is(err, core.ErrInvalidSecret) || errors.Is(err, core.ErrInvalidOption) {
		return "no receiver starts with this secret: core.NewVerifier refuses it"
	}
	return fmt.Sprintf("a receiver built with this library answers %d %s", core.StatusCode(err), firstClause(err.Error()))
}

// causeLines are the report's causes with what to do about them with this tool's flags.
func causeLines(d *diagnose.Report, reqHeader http.Header) []string {
	var lines []string
	for _, c := range d.Causes {
		text := c.Text
		switch c.Kind {
		case diagnose.KindSimilarHeaders:
			text += fmt.Sprintf(" Pass their values with %s to check them.", flagsFor(d.Missing))
		case diagnose.KindReplayed:
			text += fmt.Sprintf(" To check the recording, check it at the time it was sent: --now %d.", d.SentAt.Unix())
		case diagnose.KindClockSkew:
			text += fmt.Sprintf(" To check a recorded delivery at the time it was sent, use --now %d.", d.SentAt.Unix())
		case diagnose.KindTimestampWrong:
			text += fmt.Sprintf(" To check it at the time it claims, use --now %d.", d.SentAt.Unix())
		}
		lines = append(lines, text)
		if c.Kind == diagnose.KindMissingHeader && reqHeader == nil {
			lines = append(lines, fmt.Sprintf("Give %s with the flag%s %s.", plural(len(d.Missing), "it", "them"), plural(len(d.Missing), "", "s"), flagsFor(d.Missing)))
		}
	}
	return lines
}

func flagsFor(names []string) string {
	var flags []string
	for _, n := range names {
		flags = append(flags, "--"+strings.TrimPrefix(n, "webhook-"))
	}
	return strings.Join(flags, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// firstClause keeps an error message up to its first ";".
func firstClause(s string) string {
	before, _, _ := strings.Cut(s, ";")
	return before
}

// wrap breaks text into lines of at most width runes; the first line starts at column
// first, the next ones are indented.
func wrap(text string, width, first int, indent string) string {
	var b strings.Builder
	line := first
	for i, word := range strings.Fields(text) {
		n := len([]rune(word))
		if i > 0 {
			if line+1+n > width {
				b.WriteString("\n" + indent)
				line = len(indent)
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(word)
		line += n
	}
	return b.String()
}
