package main

import (
	"net/http"
	"strings"
	"time"
)

// inspectorDiagnosis is what `verify` prints for a delivery (body and header) checked
// with secret at now, for the inspector's detail view of a refused delivery. The secret
// itself (and the redacted prefix verify shows) never appears in it: the page is not the
// place for it.
func inspectorDiagnosis(secret string, body []byte, header http.Header, now time.Time) string {
	text := diagnosisText(secret, body, header, now.Truncate(time.Second), 88)
	for _, s := range []string{strings.TrimSpace(secret), redactSecret(secret)} {
		if s != "" {
			text = strings.ReplaceAll(text, s, "(listen's secret)")
		}
	}
	return text
}
