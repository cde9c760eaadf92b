package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
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

// check is one line of the verify report.
type check struct {
	name, status, detail string
}

const (
	statusOK   = "ok"
	statusFail = "FAIL"
	statusSkip = "skip"
)

type verifyReport struct {
	answer string // what a receiver built with the library answers, when it refuses
	checks []check
	notes  []string
	causes []string
}

func (r *verifyReport) add(name, status, detail string) {
	r.checks = append(r.checks, check{name, status, detail})
}

func (r *verifyReport) cause(format string, args ...any) {
	r.causes = append(r.causes, fmt.Sprintf(format, args...))
}

func (r *verifyReport) firstFailure() (check, bool) {
	for _, c := range r.checks {
		if c.status == statusFail {
			return c, true
		}
	}
	return check{}, false
}

// print writes the report with lines of at most width columns (a word longer than the
// line, such as a long header value, stays whole).
func (r *verifyReport) print(w io.Writer, headline string, width int) {
	fmt.Fprintf(w, "verify: %s\n", headline)
	const checkIndent = 2 + 10 + 1 + 5 + 1 // "  <name>     <stat> "
	for _, c := range r.checks {
		fmt.Fprintf(w, "  %-10s %-5s %s\n", c.name, c.status, wrap(c.detail, width, checkIndent, strings.Repeat(" ", checkIndent)))
	}
	if r.answer != "" {
		fmt.Fprintf(w, "  %-10s %s\n", "answer", wrap(r.answer, width, 13, strings.Repeat(" ", 13)))
	}
	for _, n := range r.notes {
		fmt.Fprintf(w, "note: %s\n", wrap(n, width, len("note: "), "  "))
	}
	for _, c := range r.causes {
		fmt.Fprintf(w, "cause: %s\n", wrap(c, width, len("cause: "), "  "))
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

	report := &verifyReport{}
	var h core.Headers
	var body []byte
	var reqHeader http.Header
	if flagWasSet(fs, "request") {
		raw, err := c.readRequestFile(*request)
		if err != nil {
			return err
		}
		captured, err := parseRawRequest(raw)
		if err != nil {
			return fmt.Errorf("--request %s: %w", *request, err)
		}
		body, reqHeader, h = captured.body, captured.header, core.HeadersFrom(captured.header)
		report.notes = append(report.notes, captured.notes...)
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

	e, err := checkDelivery(report, secret, body, h, reqHeader, now, *tolerance)
	if err == nil {
		report.print(c.stdout, fmt.Sprintf("OK: a genuine delivery, %s %s (webhook-id %s)", e.Type, e.ID, e.WebhookID), c.terminalWidth())
		return nil
	}
	headline := "FAILED"
	if failed, ok := report.firstFailure(); ok {
		headline = fmt.Sprintf("FAILED at the %s check", failed.name)
	}
	report.answer = fmt.Sprintf("a receiver built with this library answers %d %s", core.StatusCode(err), firstClause(err.Error()))
	if errors.Is(err, core.ErrInvalidSecret) || errors.Is(err, core.ErrInvalidOption) {
		report.answer = "no receiver starts with this secret: core.NewVerifier refuses it"
	}
	report.print(c.stdout, headline, c.terminalWidth())
	return errReported
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

// checkDelivery fills the report and returns the library's verdict: the event, or the
// error core.Verifier.Unwrap gives at now with tolerance.
func checkDelivery(r *verifyReport, secret string, body []byte, h core.Headers, reqHeader http.Header, now time.Time, tolerance time.Duration) (*core.Event, error) {
	verdict := func() (*core.Event, error) {
		v, err := core.NewVerifier(secret, core.WithTolerance(tolerance), core.WithClock(func() time.Time { return now }))
		if err != nil {
			return nil, err
		}
		return v.Unwrap(body, h)
	}

	// 1. headers
	var missing []string
	for _, hd := range []struct{ name, value string }{{core.HeaderID, h.ID}, {core.HeaderTimestamp, h.Timestamp}, {core.HeaderSignature, h.Signature}} {
		if hd.value == "" {
			missing = append(missing, hd.name)
		}
	}
	if len(missing) > 0 {
		r.add("headers", statusFail, "missing: "+strings.Join(missing, ", "))
		for _, name := range []string{"secret", "timestamp", "signature", "event"} {
			r.add(name, statusSkip, "not checked: a header is missing")
		}
		explainMissing(r, missing, reqHeader)
		return verdict()
	}
	entries := strings.Fields(h.Signature)
	r.add("headers", statusOK, fmt.Sprintf("webhook-id %s, webhook-timestamp %s, webhook-signature with %d entr%s (%s)",
		truncateText(h.ID, 40), truncateText(h.Timestamp, 24), len(entries), plural(len(entries), "y", "ies"), versionsOf(entries)))

	// 2. secret
	key, keyErr := parseSecret(secret)
	_, secretErr := core.NewVerifier(secret)
	switch {
	case secretErr != nil:
		r.add("secret", statusFail, secretErr.Error())
		r.cause("The secret is not usable: %v. The signature was still checked against the mistakes a sender makes with such a secret.", secretErr)
	case keyErr == nil && key.pub != nil:
		r.add("secret", statusOK, fmt.Sprintf("%s (an ed25519 public key: checks v1a signatures)", redactSecret(secret)))
	default:
		r.add("secret", statusOK, fmt.Sprintf("%s (a %d-byte HMAC key: checks v1 signatures)", redactSecret(secret), len(key.hmac)))
	}

	// 3. timestamp
	ts, tsOK := parseUnixSeconds(h.Timestamp)
	age := now.Unix() - ts
	tolSeconds := int64(tolerance / time.Second)
	switch {
	case !tsOK:
		r.add("timestamp", statusFail, fmt.Sprintf("%q is not decimal Unix seconds%s", truncateText(h.Timestamp, 40), timestampGuess(h.Timestamp)))
	case age > tolSeconds || -age > tolSeconds:
		when := fmt.Sprintf("%d s ago", age)
		if age < 0 {
			when = fmt.Sprintf("%d s in the future", -age)
		}
		r.add("timestamp", statusFail, fmt.Sprintf("%s = %s, %s; the tolerance is %d s%s", h.Timestamp, time.Unix(ts, 0).UTC().Format(time.DateTime+" MST"), when, tolSeconds, timestampGuess(h.Timestamp)))
	default:
		r.add("timestamp", statusOK, fmt.Sprintf("%s = %s, %d s %s (tolerance %d s)", h.Timestamp, time.Unix(ts, 0).UTC().Format(time.DateTime+" MST"), abs(age), agoOrAhead(age), tolSeconds))
	}

	// 4. signature, at the delivery's own time so that only the signature counts
	sigOK := false
	var sigErr error
	if secretErr == nil && tsOK {
		v, err := core.NewVerifier(secret, core.WithClock(func() time.Time { return time.Unix(ts, 0) }))
		if err == nil {
			sigErr = v.Verify(body, h)
			sigOK = sigErr == nil
		} else {
			sigErr = err
		}
	} else if keyErr == nil {
		sigOK = identityMatches(key, body, h)
	}
	switch {
	case sigOK:
		r.add("signature", statusOK, fmt.Sprintf("a %s signature matches the body (%d bytes) under this secret", matchingVersion(key), len(body)))
	default:
		detail := fmt.Sprintf("no entry matches the body (%d bytes) under this secret", len(body))
		if errors.Is(sigErr, core.ErrInvalidSignatureHeader) {
			detail = sigErr.Error()
		}
		r.add("signature", statusFail, detail)
	}

	// 5. event
	switch {
	case !sigOK:
		r.add("event", statusSkip, "not parsed: the body is not verified")
	default:
		e, err := core.ParseEvent(body)
		if err != nil {
			r.add("event", statusFail, err.Error())
			r.cause("The body is signed correctly but is not a JSON event object, so the receiver answers 400. OpenAI sends {\"id\": \"evt_…\", \"object\": \"event\", \"type\": …, \"data\": {…}}.")
		} else {
			known := "a known type"
			if !e.Type.Known() {
				known = "a type this library does not know yet: it passes through untouched"
			}
			r.add("event", statusOK, fmt.Sprintf("%s %s, created %s (%s)", e.Type, e.ID, e.Created().UTC().Format(time.DateTime+" MST"), known))
		}
	}

	// Causes, in the order of the checks.
	if !tsOK {
		r.cause("Webhook-timestamp must be decimal Unix seconds, sent and signed as the same text; it is %q%s.", truncateText(h.Timestamp, 40), timestampGuess(h.Timestamp))
	} else if age > tolSeconds || -age > tolSeconds {
		explainSkew(r, age, ts, tolSeconds, sigOK, h.Timestamp)
	}
	if !sigOK {
		explainSignature(r, secret, key, keyErr, body, h)
	}
	return verdict()
}

func explainMissing(r *verifyReport, missing []string, reqHeader http.Header) {
	r.cause("%s %s missing. OpenAI sends webhook-id, webhook-timestamp and webhook-signature on every delivery: the request did not come from OpenAI, or a proxy, load balancer or framework dropped or renamed the header.",
		joinAnd(missing), plural(len(missing), "is", "are"))
	if reqHeader == nil {
		r.cause("Give %s with the flag%s %s.", plural(len(missing), "it", "them"), plural(len(missing), "", "s"), flagsFor(missing))
		return
	}
	var similar []string
	for name := range reqHeader {
		lower := strings.ToLower(name)
		if lower == core.HeaderID || lower == core.HeaderTimestamp || lower == core.HeaderSignature {
			continue
		}
		for _, word := range []string{"webhook", "svix", "signature", "timestamp"} {
			if strings.Contains(lower, word) {
				similar = append(similar, name)
				break
			}
		}
	}
	sort.Strings(similar)
	if len(similar) == 0 {
		return
	}
	svix := false
	for _, name := range similar {
		svix = svix || strings.HasPrefix(strings.ToLower(name), "svix-")
	}
	why := "A proxy may have renamed the header, or the sender uses another scheme."
	if svix {
		why = "Svix sends the same scheme under the names svix-id, svix-timestamp and svix-signature."
	}
	r.cause("The request has similar headers: %s. %s Pass their values with %s to check them.", strings.Join(similar, ", "), why, flagsFor(missing))
}

func flagsFor(names []string) string {
	var flags []string
	for _, n := range names {
		flags = append(flags, "--"+strings.TrimPrefix(n, "webhook-"))
	}
	return strings.Join(flags, ", ")
}

func explainSkew(r *verifyReport, age, ts, tol int64, sigOK bool, tsText string) {
	lead := "The signature is valid, but"
	if !sigOK {
		lead = "Besides the signature (see below),"
	}
	if len(strings.TrimLeft(tsText, "0")) >= 12 {
		r.cause("The timestamp has %d digits: it looks like milliseconds, and webhook-timestamp is Unix seconds. Send seconds (and sign that same text).", len(tsText))
		return
	}
	const recorded = int64(3600) // beyond an hour off, no clock is that wrong: a recording
	switch {
	case age > recorded:
		r.cause("%s the delivery was sent %s ago (%d seconds), far more than the tolerance of %d s: it is a recorded or replayed delivery, and a receiver refuses it for that reason. To check the recording, check it at the time it was sent: --now %d.",
			lead, humanDuration(age), age, tol, ts)
	case age > 0:
		r.cause("%s the delivery was sent %d seconds ago (%s), more than the tolerance of %d s. If you are checking a recorded delivery, check it at the time it was sent: --now %d. If it arrived just now, the clocks disagree by about %d seconds: this machine's clock is ahead of the sender's; synchronise it with NTP (timedatectl set-ntp true; chronyc tracking). A replayed delivery looks the same, which is why it is refused.",
			lead, age, humanDuration(age), tol, ts, age)
	case -age > recorded:
		r.cause("%s the delivery is dated %s in the future (%d seconds), far more than the tolerance of %d s: the timestamp is wrong (the sender's clock, or a unit mistake). To check it at the time it claims, use --now %d.",
			lead, humanDuration(-age), -age, tol, ts)
	default:
		r.cause("%s the delivery is dated %d seconds in the future (%s), more than the tolerance of %d s: this machine's clock is about %d seconds behind the sender's (or the sender's is ahead); synchronise it with NTP (timedatectl set-ntp true; chronyc tracking). To check a recorded delivery at the time it was sent, use --now %d.",
			lead, -age, humanDuration(-age), tol, -age, ts)
	}
}

// humanDuration writes seconds as 11m45s, or as days beyond two days.
func humanDuration(seconds int64) string {
	if seconds >= 2*86400 {
		return fmt.Sprintf("%d days", seconds/86400)
	}
	return (time.Duration(seconds) * time.Second).String()
}

func explainSignature(r *verifyReport, secret string, key signingKey, keyErr error, body []byte, h core.Headers) {
	entries := parseSignatureEntries(h.Signature)
	hasV1, hasV1a := false, false
	for _, e := range entries {
		hasV1 = hasV1 || e.version == "v1"
		hasV1a = hasV1a || e.version == "v1a"
	}
	switch {
	case keyErr == nil && key.hmac != nil && hasV1a && !hasV1:
		r.cause("The header carries only v1a (ed25519) signatures, and a whsec_ secret checks v1 (HMAC) ones. Verify with the sender's whpk_ public key.")
		return
	case keyErr == nil && key.pub != nil && hasV1 && !hasV1a:
		r.cause("The header carries only v1 (HMAC) signatures, and a whpk_ public key checks v1a (ed25519) ones. Verify with the endpoint's whsec_ secret.")
		return
	case len(entries) == 0:
		r.cause("No entry of webhook-signature %q is a signature this tool can read; Standard Webhooks sends space-separated entries v1,<base64>.", truncateText(h.Signature, 60))
		return
	}
	found, parts, tried := diagnoseSignature(secret, body, h)
	if !found && len(body) == 0 {
		r.cause("The body is empty (0 bytes): did a middleware before this one read it? The most common framework mistake is a body parser or logger that consumes the request body before the webhook verifier runs; the signature covers the raw body, so verify it first (put the webhook middleware before any body parser) and capture the request's raw bytes.")
		return
	}
	if !found {
		r.cause("Nothing matches: %d variants were tried (the secret as text or decoded with its prefix, the timestamp re-formatted, the body with newlines or line endings changed or re-serialised as JSON). So the signature was made with another secret, or over a body whose content differs. Check that the secret is the signing secret of this endpoint (each endpoint has its own, and after a rotation deliveries signed with the old one fail), that it was copied whole, and that the body is the request's raw bytes.",
			tried)
		return
	}
	var whats, whys []string
	for _, p := range parts {
		whats = append(whats, p.what)
		if !contains(whys, p.why) {
			whys = append(whys, p.why)
		}
	}
	r.cause("The signature matches when %s. %s", strings.Join(whats, ", and "), strings.Join(whys, " "))
}

// identityMatches checks the signature with key as given, whatever the timestamp text.
func identityMatches(key signingKey, body []byte, h core.Headers) bool {
	msg := signedContent(h.ID, h.Timestamp, body)
	var mac []byte
	if key.hmac != nil {
		mac = hmacSHA256(key.hmac, msg)
	}
	for _, e := range parseSignatureEntries(h.Signature) {
		if e.what == "" && entryMatches(key, mac, msg, e) {
			return true
		}
	}
	return false
}

func matchingVersion(key signingKey) string {
	if key.pub != nil {
		return "v1a"
	}
	return "v1"
}

// parseUnixSeconds accepts what core accepts: 1 to 18 decimal digits.
func parseUnixSeconds(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// timestampGuess says what a timestamp that is not plain Unix seconds looks like.
func timestampGuess(s string) string {
	t := strings.TrimSpace(s)
	switch {
	case t != s:
		return " (it has white space around it)"
	case strings.HasPrefix(t, "+") || strings.HasPrefix(t, "-"):
		return " (it has a sign)"
	case strings.Contains(t, ".") && strings.Trim(t, "0123456789.") == "":
		return " (it is a decimal fraction; send whole seconds)"
	}
	if _, ok := parseUnixSeconds(t); ok {
		switch n := len(strings.TrimLeft(t, "0")); {
		case n >= 18:
			return " (it looks like nanoseconds)"
		case n >= 15:
			return " (it looks like microseconds)"
		case n >= 12:
			return " (it looks like milliseconds)"
		}
		return ""
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, time.DateTime, http.TimeFormat, time.RFC1123Z} {
		if _, err := time.Parse(layout, t); err == nil {
			return " (it is a date; send Unix seconds)"
		}
	}
	return ""
}

func versionsOf(entries []string) string {
	var versions []string
	for _, e := range entries {
		v, _, ok := strings.Cut(e, ",")
		if !ok {
			v = "no version"
		}
		if !contains(versions, v) {
			versions = append(versions, v)
		}
	}
	return strings.Join(versions, ", ")
}

// joinAnd joins a, b and c as "a, b and c".
func joinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func agoOrAhead(age int64) string {
	if age < 0 {
		return "in the future"
	}
	return "ago"
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
