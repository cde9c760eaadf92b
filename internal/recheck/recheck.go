// Package recheck names why a queued delivery fails the worker's second verification, for
// the Error line of asynqjobs' and riverjobs' workers.
package recheck

import (
	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
)

// MaxBody bounds the body a diagnosis re-hashes, as the adapters' WithDiagnosis does.
const MaxBody = 64 << 10

// Kind diagnoses the stored delivery (body, h) under v's keys, at the delivery's own
// timestamp so that its age is not the cause, and returns the diagnosis's kind
// (no_match for another secret, say). It does so on the first attempt and on the last
// only (attempt counts from 1 to maxAttempts), and for bodies up to MaxBody: a secret
// rotation fails every queued job at once, and each attempt must stay cheap.
func Kind(v *core.Verifier, body []byte, h core.Headers, attempt, maxAttempts int) (diagnose.Kind, bool) {
	if (attempt != 1 && attempt < maxAttempts) || len(body) > MaxBody {
		return "", false
	}
	var opts []diagnose.Option
	if sent, err := core.ParseTimestamp(h.Timestamp); err == nil {
		opts = append(opts, diagnose.At(sent))
	}
	return diagnose.Verifier(v, diagnose.Delivery{Body: body, Headers: h}, opts...).Kind(), true
}
