package main

import (
	"net/http"
	"net/url"
	"time"

	"github.com/webhookkit/openai-webhooks/internal/forward"
)

// forwardTimeout bounds one forward to the app: below the write timeout of listen's
// server (30 s), so the sender gets a 502 rather than a cut connection.
const forwardTimeout = 25 * time.Second

// parseTargetURL checks a --forward-to or --to URL.
func parseTargetURL(flagName, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageErrorf("%s %q is not an http:// or https:// URL (for example http://localhost:8080/webhooks/openai)", flagName, raw)
	}
	return u.String(), nil
}

// forwardHandler is the handler after verification with --forward-to: it sends the
// delivery to the app and answers the sender with the app's status and body, or 502
// when the app cannot be reached.
func forwardHandler(client *http.Client, target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := pendingFrom(r.Context())
		if p == nil { // cannot happen: the receiver always sets it
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		res := forward.Post(r.Context(), client, target, p.d.Header, p.d.Body)
		p.d.App = res
		if res.Err != nil && res.Status == 0 {
			// Never the app's address or the error's detail to the sender: listen prints them.
			writeJSONBody(w, http.StatusBadGateway, []byte(`{"error":"bad gateway: the application behind this receiver did not answer"}`))
			return
		}
		if res.ContentType != "" {
			w.Header().Set("Content-Type", res.ContentType)
		}
		w.WriteHeader(res.Status)
		_, _ = w.Write(res.Body)
	})
}

// writeJSONBody answers status with a JSON body.
func writeJSONBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
