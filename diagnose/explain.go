package diagnose

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/textcut"
)

func (in *input) explainMissing() {
	r := in.r
	in.cause(KindMissingHeader, "%s %s missing. OpenAI sends webhook-id, webhook-timestamp and webhook-signature on every delivery: the request did not come from OpenAI, or a proxy, load balancer or framework dropped or renamed the header.",
		joinAnd(r.Missing), plural(len(r.Missing), "is", "are"))
	for name := range in.d.Header {
		lower := strings.ToLower(name)
		if lower == core.HeaderID || lower == core.HeaderTimestamp || lower == core.HeaderSignature {
			continue
		}
		for _, word := range []string{"webhook", "svix", "signature", "timestamp"} {
			if strings.Contains(lower, word) {
				r.Similar = append(r.Similar, name)
				break
			}
		}
	}
	sort.Strings(r.Similar)
	if len(r.Similar) == 0 {
		return
	}
	svix := false
	for _, name := range r.Similar {
		svix = svix || strings.HasPrefix(strings.ToLower(name), "svix-")
	}
	why := "A proxy may have renamed the header, or the sender uses another scheme."
	if svix {
		why = "Svix sends the same scheme under the names svix-id, svix-timestamp and svix-signature."
	}
	in.cause(KindSimilarHeaders, "The request has similar headers: %s. %s", strings.Join(r.Similar, ", "), why)
}

// recorded is how far off a timestamp must be to be a recording rather than a clock
// error: no clock in service is an hour wrong.
const recorded = int64(3600)

func (in *input) explainSkew(age, tol int64, sigOK bool, tsText string) {
	lead := "The signature is valid, but"
	if !sigOK {
		lead = "Besides the signature (see below),"
	}
	if len(strings.TrimLeft(tsText, "0")) >= 12 {
		in.cause(KindTimestampUnit, "The timestamp has %d digits: it looks like milliseconds, and webhook-timestamp is Unix seconds. Send seconds (and sign that same text).", len(tsText))
		return
	}
	switch {
	case age > recorded:
		in.cause(KindReplayed, "%s the delivery was sent %s ago (%d seconds), far more than the tolerance of %d s: it is a recorded or replayed delivery, and a receiver refuses it for that reason.",
			lead, humanDuration(age), age, tol)
	case age > 0:
		in.cause(KindClockSkew, "%s the delivery was sent %d seconds ago (%s), more than the tolerance of %d s. If it arrived just now, the clocks disagree by about %d seconds: this machine's clock is ahead of the sender's; synchronise it with NTP (timedatectl set-ntp true; chronyc tracking). A replayed delivery looks the same, which is why it is refused.",
			lead, age, humanDuration(age), tol, age)
	case -age > recorded:
		in.cause(KindTimestampWrong, "%s the delivery is dated %s in the future (%d seconds), far more than the tolerance of %d s: the timestamp is wrong (the sender's clock, or a unit mistake).",
			lead, humanDuration(-age), -age, tol)
	default:
		in.cause(KindClockSkew, "%s the delivery is dated %d seconds in the future (%s), more than the tolerance of %d s: this machine's clock is about %d seconds behind the sender's (or the sender's is ahead); synchronise it with NTP (timedatectl set-ntp true; chronyc tracking).",
			lead, -age, humanDuration(-age), tol, -age)
	}
}

// humanDuration writes seconds as 11m45s, or as days beyond two days.
func humanDuration(seconds int64) string {
	if seconds >= 2*86400 {
		return fmt.Sprintf("%d days", seconds/86400)
	}
	return (time.Duration(seconds) * time.Second).String()
}

func (in *input) explainSignature() {
	h, body := in.d.Headers, in.d.Body
	entries := parseSignatureEntries(h.Signature)
	hasV1, hasV1a, hmacKey, publicKey := false, false, false, false
	for _, e := range entries {
		hasV1 = hasV1 || e.version == "v1"
		hasV1a = hasV1a || e.version == "v1a"
	}
	for _, k := range in.keys {
		hmacKey = hmacKey || k.HMAC != nil
		publicKey = publicKey || k.Public != nil
	}
	switch {
	case hmacKey && !publicKey && hasV1a && !hasV1:
		in.cause(KindWrongKeyType, "The header carries only v1a (ed25519) signatures, and a whsec_ secret checks v1 (HMAC) ones. Verify with the sender's whpk_ public key.")
		return
	case publicKey && !hmacKey && hasV1 && !hasV1a:
		in.cause(KindWrongKeyType, "The header carries only v1 (HMAC) signatures, and a whpk_ public key checks v1a (ed25519) ones. Verify with the endpoint's whsec_ secret.")
		return
	case len(entries) == 0:
		in.cause(KindUnreadableSignature, "No entry of webhook-signature (%d bytes) is a signature this diagnosis can read; Standard Webhooks sends space-separated entries v1,<base64>.", len(h.Signature))
		return
	}
	match, tried := search(in.variants, body, h, in.checked, in.b)
	in.r.Tried = tried
	if match == nil && len(body) == 0 {
		in.cause(KindEmptyBody, "The body is empty (0 bytes): did a middleware before this one read it? The most common framework mistake is a body parser or logger that consumes the request body before the webhook verifier runs; the signature covers the raw body, so verify it first (put the webhook middleware before any body parser) and capture the request's raw bytes.")
		return
	}
	if match == nil && in.b.cut {
		in.cause(KindSearchCutShort, "No alternative matches among the %d tried, but the search was cut short before trying them all: one diagnosis may spend only so much (docs/diagnosis.md), and this delivery (a %d-byte body, %d signature entries) costs more. So the signature was made with another secret, over other content, or with a mistake left untried. Check that the secret is the signing secret of this endpoint, and that the body is the request's raw bytes.",
			tried, len(body), len(strings.Fields(h.Signature)))
		return
	}
	if match == nil {
		in.cause(KindNoMatch, "Nothing matches: %d variants were tried (the secret as text or decoded with its prefix, the timestamp re-formatted, the body with newlines or line endings changed or re-serialised as JSON). So the signature was made with another secret, or over a body whose content differs. Check that the secret is the signing secret of this endpoint (each endpoint has its own, and after a rotation deliveries signed with the old one fail), that it was copied whole, and that the body is the request's raw bytes.",
			tried)
		return
	}
	var whats, whys []string
	for _, p := range match.parts {
		whats = append(whats, p.what)
		if !contains(whys, p.why) {
			whys = append(whys, p.why)
		}
	}
	in.cause(match.parts[0].kind, "The signature matches when %s. %s", strings.Join(whats, ", and "), strings.Join(whys, " "))
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
	if _, err := core.ParseTimestamp(t); err == nil {
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

func truncate(s string, n int) string { return textcut.Truncate(s, n) }
