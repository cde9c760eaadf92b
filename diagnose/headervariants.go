package diagnose

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// The webhook-id and webhook-timestamp as sent, and the texts that may have been signed instead.

// timestampVariants: the header text as core reads it (without the spaces and tabs
// around it), the text as sent, and the Unix-seconds text a re-formatted timestamp came
// from (or was turned into).
func timestampVariants(sent string) []variant[string] {
	ts := core.Headers{Timestamp: sent}.Trim().Timestamp
	out := []variant[string]{{value: ts}}
	add := func(value string) {
		if value == "" || value == ts {
			return
		}
		for _, v := range out {
			if v.value == value {
				return
			}
		}
		out = append(out, variant[string]{
			value: value,
			kind:  KindTimestampReformatted,
			what:  fmt.Sprintf("the timestamp is signed as %q (the header carries %q)", value, ts),
			why:   "The timestamp was re-formatted between signing and sending (milliseconds, a float, a date, padding or a sign). Sign exactly the text sent in webhook-timestamp, decimal Unix seconds, and verify it as received.",
		})
	}
	add(sent)
	trimmed := strings.TrimSpace(ts)
	add(trimmed)
	digits := strings.TrimLeft(strings.TrimPrefix(trimmed, "+"), "0")
	add(digits)
	if whole, _, ok := strings.Cut(trimmed, "."); ok {
		add(strings.TrimLeft(whole, "0"))
	}
	if n, err := strconv.ParseInt(digits, 10, 64); err == nil {
		switch {
		case len(digits) >= 18:
			add(strconv.FormatInt(n/1_000_000_000, 10))
		case len(digits) >= 15:
			add(strconv.FormatInt(n/1_000_000, 10))
		case len(digits) >= 12:
			add(strconv.FormatInt(n/1000, 10))
		default:
			add(strconv.FormatInt(n*1000, 10)) // signed in milliseconds, sent in seconds
		}
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, time.DateTime, http.TimeFormat, time.RFC1123Z} {
		if t, err := time.Parse(layout, trimmed); err == nil {
			add(strconv.FormatInt(t.Unix(), 10))
		}
	}
	return out
}

// idVariants: the header text as core reads it (without the spaces and tabs around it),
// the text as sent, and without any white space around it.
func idVariants(sent string) []variant[string] {
	id := core.Headers{ID: sent}.Trim().ID
	out := []variant[string]{{value: id}}
	if sent != id {
		out = append(out, variant[string]{
			value: sent,
			kind:  KindIDWhitespace,
			what:  "the webhook-id is signed with the white space around it",
			why:   "The sender signed the spaces or tabs around the webhook-id header, which are not part of the id (receivers ignore them, as HTTP does). Sign the id itself.",
		})
	}
	if t := strings.TrimSpace(id); t != id && t != "" {
		out = append(out, variant[string]{
			value: t,
			kind:  KindIDWhitespace,
			what:  "the webhook-id is signed without its surrounding white space",
			why:   "The webhook-id header carries white space that was not signed. Send and verify the id unchanged.",
		})
	}
	return out
}
