package diagnose

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/keyset"
)

var errNoKeys = errors.New("no usable key")

// input is one diagnosis to run.
type input struct {
	d         Delivery
	cfg       config
	keys      []keyset.Key          // the keys as given; none when the secret is refused
	variants  []variant[keyset.Key] // keys, then the keys a mistake makes
	secretErr error                 // core's refusal of the secret
	secret    string                // the secret's text, when show
	show      bool                  // the report may quote the secret's first characters
	verdict   func() (*core.Event, error)
	r         *Report
}

func (in *input) add(name string, status Status, detail string) {
	in.r.Checks = append(in.r.Checks, Check{Name: name, Status: status, Detail: detail})
}

func (in *input) cause(kind Kind, format string, args ...any) {
	in.r.Causes = append(in.r.Causes, Cause{Kind: kind, Text: fmt.Sprintf(format, args...)})
}

// run runs the five checks, then explains the failures in the order of the checks.
func (in *input) run() *Report {
	in.r = &Report{}
	r, h, body := in.r, in.d.Headers, in.d.Body
	defer func() { r.Event, r.Err = in.verdict() }()

	// 1. headers
	for _, hd := range []struct{ name, value string }{{core.HeaderID, h.ID}, {core.HeaderTimestamp, h.Timestamp}, {core.HeaderSignature, h.Signature}} {
		if hd.value == "" {
			r.Missing = append(r.Missing, hd.name)
		}
	}
	if len(r.Missing) > 0 {
		in.add(CheckHeaders, StatusFail, "missing: "+strings.Join(r.Missing, ", "))
		for _, name := range []string{CheckSecret, CheckTimestamp, CheckSignature, CheckEvent} {
			in.add(name, StatusSkip, "not checked: a header is missing")
		}
		in.explainMissing()
		return r
	}
	entries := strings.Fields(h.Signature)
	in.add(CheckHeaders, StatusOK, fmt.Sprintf("webhook-id %s, webhook-timestamp %s, webhook-signature with %d entr%s (%s)",
		truncate(h.ID, 40), truncate(h.Timestamp, 24), len(entries), plural(len(entries), "y", "ies"), versionsOf(entries)))

	// 2. secret
	switch {
	case in.secretErr != nil:
		in.add(CheckSecret, StatusFail, in.secretErr.Error())
		in.cause(KindInvalidSecret, "The secret is not usable: %v. The signature was still checked against the mistakes a sender makes with such a secret.", in.secretErr)
	default:
		in.add(CheckSecret, StatusOK, in.describeKeys())
	}

	// 3. timestamp
	sent, tsErr := core.ParseTimestamp(h.Timestamp)
	tsOK := tsErr == nil
	if tsOK {
		r.SentAt = sent
	}
	now := in.cfg.now()
	age := now.Unix() - sent.Unix()
	tolSeconds := int64(in.cfg.tolerance / time.Second)
	skewed := tsOK && (age > tolSeconds || -age > tolSeconds)
	switch {
	case !tsOK:
		in.add(CheckTimestamp, StatusFail, fmt.Sprintf("%q is not decimal Unix seconds%s", truncate(h.Timestamp, 40), timestampGuess(h.Timestamp)))
	case skewed:
		when := fmt.Sprintf("%d s ago", age)
		if age < 0 {
			when = fmt.Sprintf("%d s in the future", -age)
		}
		in.add(CheckTimestamp, StatusFail, fmt.Sprintf("%s = %s, %s; the tolerance is %d s%s", h.Timestamp, sent.UTC().Format(time.DateTime+" MST"), when, tolSeconds, timestampGuess(h.Timestamp)))
	default:
		in.add(CheckTimestamp, StatusOK, fmt.Sprintf("%s = %s, %d s %s (tolerance %d s)", h.Timestamp, sent.UTC().Format(time.DateTime+" MST"), abs(age), agoOrAhead(age), tolSeconds))
	}

	// 4. signature, at the delivery's own time so that only the signature counts
	sigOK := false
	var sigErr error
	switch {
	case len(in.keys) > 0 && tsOK:
		v, err := verifierFor(in.keys, core.WithClock(func() time.Time { return sent }))
		if err == nil {
			sigErr = v.Verify(body, h)
			sigOK = sigErr == nil
		} else {
			sigErr = err
		}
	case len(in.keys) > 0:
		sigOK = identityMatches(in.keys, body, h)
	}
	switch {
	case sigOK:
		in.add(CheckSignature, StatusOK, fmt.Sprintf("a %s signature matches the body (%d bytes) under this secret", matchingVersion(in.keys), len(body)))
	default:
		detail := fmt.Sprintf("no entry matches the body (%d bytes) under this secret", len(body))
		if errors.Is(sigErr, core.ErrInvalidSignatureHeader) {
			detail = sigErr.Error()
		}
		in.add(CheckSignature, StatusFail, detail)
	}

	// 5. event
	switch {
	case !sigOK:
		in.add(CheckEvent, StatusSkip, "not parsed: the body is not verified")
	default:
		e, err := core.ParseEvent(body)
		if err != nil {
			in.add(CheckEvent, StatusFail, err.Error())
			in.cause(KindMalformedEvent, "The body is signed correctly but is not a JSON event object, so the receiver answers 400. OpenAI sends {\"id\": \"evt_…\", \"object\": \"event\", \"type\": …, \"data\": {…}}.")
		} else {
			known := "a known type"
			if !e.Type.Known() {
				known = "a type this library does not know yet: it passes through untouched"
			}
			in.add(CheckEvent, StatusOK, fmt.Sprintf("%s %s, created %s (%s)", e.Type, e.ID, e.Created().UTC().Format(time.DateTime+" MST"), known))
		}
	}

	// Causes, in the order of the checks.
	if !tsOK {
		in.cause(KindInvalidTimestamp, "Webhook-timestamp must be decimal Unix seconds, sent and signed as the same text; it is %q%s.", truncate(h.Timestamp, 40), timestampGuess(h.Timestamp))
	} else if skewed {
		in.explainSkew(age, tolSeconds, sigOK, h.Timestamp)
	}
	if !sigOK {
		in.explainSignature()
	}
	return r
}

// describeKeys is the detail of a passed secret check.
func (in *input) describeKeys() string {
	var parts []string
	for _, k := range in.keys {
		if k.Public != nil {
			parts = append(parts, "an ed25519 public key: checks v1a signatures")
		} else {
			parts = append(parts, fmt.Sprintf("a %d-byte HMAC key: checks v1 signatures", len(k.HMAC)))
		}
	}
	what := strings.Join(parts, "; ")
	if in.show {
		return fmt.Sprintf("%s (%s)", redactSecret(in.secret), what)
	}
	return fmt.Sprintf("%d key%s (%s)", len(in.keys), plural(len(in.keys), "", "s"), what)
}

func matchingVersion(keys []keyset.Key) string {
	for _, k := range keys {
		if k.HMAC != nil {
			return "v1"
		}
	}
	return "v1a"
}
