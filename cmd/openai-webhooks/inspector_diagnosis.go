package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// diagnosisText is what `verify` prints for a delivery (body and headers h) checked
// with secret at now, for the inspector's detail view of a refused delivery. It is the
// inspector's one link to the verify code; the secret itself (and its redacted prefix)
// never appears in it: the page is not the place for it.
func diagnosisText(secret string, body []byte, h core.Headers, now time.Time) string {
	report := &verifyReport{}
	e, err := checkDelivery(report, secret, body, h, nil, now.Truncate(time.Second), core.DefaultTolerance)
	headline := "FAILED"
	if err == nil {
		headline = fmt.Sprintf("OK: a genuine delivery, %s %s (webhook-id %s)", e.Type, e.ID, e.WebhookID)
	} else {
		if failed, ok := report.firstFailure(); ok {
			headline = fmt.Sprintf("FAILED at the %s check", failed.name)
		}
		report.answer = fmt.Sprintf("a receiver built with this library answers %d %s", core.StatusCode(err), firstClause(err.Error()))
		if errors.Is(err, core.ErrInvalidSecret) || errors.Is(err, core.ErrInvalidOption) {
			report.answer = "no receiver starts with this secret: core.NewVerifier refuses it"
		}
	}
	var b strings.Builder
	report.print(&b, headline, 88)
	text := b.String()
	for _, s := range []string{strings.TrimSpace(secret), redactSecret(secret)} {
		if s != "" {
			text = strings.ReplaceAll(text, s, "(listen's secret)")
		}
	}
	return text
}
