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
	b         *budget
	checked   bool // core refused the delivery as given: the search skips that combination
}

func (in *input) add(name string, status Status, detail string) {
	in.r.Checks = append(in.r.Checks, Check{Name: name, Status: status, Detail: detail})
}

func (in *input) cause(kind Kind, format string, args ...any) {
	in.r.Causes = append(in.r.Causes, Cause{Kind: kind, Text: fmt.Sprintf(format, args...)})
}

// run runs the five checks, then explains the failures in the order of the checks.
func (in *input) run() *Report {
	in.r, in.b = &Report{}, newBudget()
	r, h, body := in.r, in.d.Headers, in.d.Body
	// The verdict first: it often settles the signature check too (see signature).
	r.Event, r.Err = in.verdict()
	defer func() { r.CutShort = in.b.cut }()

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
	sent, tsErr := core.ParseTimestamp(h.Trim().Timestamp)
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
	sigOK, sigErr, sigDone := in.signature(sent, tsOK)
	switch {
	case sigOK:
		in.add(CheckSignature, StatusOK, fmt.Sprintf("a %s signature matches the body (%d bytes) under this secret", matchingVersion(in.keys), len(body)))
	case !sigDone:
		in.add(CheckSignature, StatusSkip, fmt.Sprintf("not checked: %d signature entries over a %d-byte body cost more than a diagnosis may spend", len(entries), len(body)))
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
	switch {
	case !sigDone:
		in.cause(KindSearchCutShort, "The signature was neither checked nor searched: its %d entries over a %d-byte body cost more than one diagnosis may spend, so this diagnosis cannot say why the delivery is refused.", len(entries), len(body))
	case !sigOK:
		in.explainSignature()
	}
	return r
}

// signature reports whether a signature of the delivery matches, its timestamp aside.
// The verdict settles it when core got as far as the signature; otherwise (a timestamp
// core cannot read, or one out of tolerance) the signature is checked at the delivery's
// own time, if the budget allows: done is false when it does not. It records in
// in.checked whether core has refused the delivery as given.
func (in *input) signature(sent time.Time, tsOK bool) (ok bool, err error, done bool) {
	body, h := in.d.Body, in.d.Headers
	if len(in.keys) == 0 {
		return false, nil, true
	}
	switch v := in.r.Err; {
	case v == nil, errors.Is(v, core.ErrMalformedEvent):
		return true, nil, true
	case errors.Is(v, core.ErrNoMatchingSignature), errors.Is(v, core.ErrInvalidSignatureHeader):
		in.checked = true
		return false, v, true
	}
	if !tsOK {
		matched, done := identityMatches(in.keys, body, h, in.b)
		in.checked = done
		return matched, nil, done
	}
	if !in.b.spend(coreCheckCost(in.keys, body, h)) {
		return false, nil, false
	}
	v, err := verifierFor(in.keys, core.WithClock(func() time.Time { return sent }))
	if err != nil {
		return false, err, true
	}
	err = v.Verify(body, h)
	in.checked = err != nil
	return err == nil, err, true
}

// coreCheckCost estimates what core's Verify costs with keys: an HMAC per HMAC key, an
// ed25519 check per v1a entry and public key.
func coreCheckCost(keys []keyset.Key, body []byte, h core.Headers) int {
	size := len(h.ID) + len(h.Timestamp) + 2 + len(body)
	v1a := strings.Count(h.Signature, "v1a,")
	cost := 0
	for _, k := range keys {
		if k.Public != nil {
			cost += v1a * ed25519Cost(size)
		} else {
			cost += hmacCost(size)
		}
	}
	return cost
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
