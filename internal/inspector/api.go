package inspector

import (
	"embed"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/internal/textcut"
)

//go:embed assets
var assets embed.FS

// diagnosisWait is how long GET /api/deliveries/{n} waits for a diagnosis in progress.
const diagnosisWait = 5 * time.Second

// Info is the answer of GET /api/deliveries and the live feed's first event: where
// deliveries arrive, where they go, the history's bounds, and the deliveries kept,
// newest first. Never the secret.
type Info struct {
	Receiver     string    `json:"receiver"`
	ForwardTo    string    `json:"forward_to,omitempty"`
	History      int       `json:"history"`
	HistoryBytes int64     `json:"history_bytes"`
	Deliveries   []Summary `json:"deliveries"`
}

// encodedInfo is Info with its summaries already encoded, as the history keeps them.
type encodedInfo struct {
	Receiver     string            `json:"receiver"`
	ForwardTo    string            `json:"forward_to,omitempty"`
	History      int               `json:"history"`
	HistoryBytes int64             `json:"history_bytes"`
	Deliveries   []json.RawMessage `json:"deliveries"`
}

func (in *Inspector) info(summaries [][]byte) encodedInfo {
	list := make([]json.RawMessage, len(summaries))
	for i, s := range summaries {
		list[i] = s
	}
	return encodedInfo{Receiver: in.cfg.Receiver, ForwardTo: in.cfg.ForwardTo, History: in.cfg.MaxDeliveries, HistoryBytes: in.cfg.MaxBytes, Deliveries: list}
}

// Handler serves the page, its assets and the API. Every request must name this
// machine (or configuredHost, the host the inspector listens on) in its Host header,
// against DNS rebinding; a state-changing request must be a same-origin POST.
func (in *Inspector) Handler(configuredHost string) http.Handler {
	mux := http.NewServeMux()
	for pattern, file := range map[string]string{"GET /{$}": "assets/index.html", "GET /app.js": "assets/app.js", "GET /style.css": "assets/style.css"} {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			http.ServeFileFS(w, r, assets, file)
		})
	}
	mux.HandleFunc("GET /api/deliveries", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, in.info(in.history.summaries()))
	})
	mux.HandleFunc("GET /api/deliveries/{n}", in.serveDetail)
	mux.HandleFunc("GET /api/events", in.serveEvents)
	mux.HandleFunc("POST /api/deliveries/{n}/replay", in.serveReplay)
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusForbidden, apiError{"cross-origin request refused"})
	}))
	protected := csrf.Handler(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if !AllowedHost(r.Host, configuredHost) {
			writeJSON(w, http.StatusForbidden, apiError{"this inspector answers requests to localhost only (Host " + strconv.Quote(textcut.Truncate(r.Host, 80)) + " refused)"})
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// entryOf finds the delivery named by the request's {n}, or answers 404.
func (in *Inspector) entryOf(w http.ResponseWriter, r *http.Request) (*entry, bool) {
	n, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
	if err != nil {
		writeJSON(w, http.StatusNotFound, apiError{"no such delivery"})
		return nil, false
	}
	e, ok := in.history.get(n)
	if !ok {
		writeJSON(w, http.StatusNotFound, apiError{fmt.Sprintf("delivery #%d is not in the history (it keeps the last %d, within %d MiB)", n, in.cfg.MaxDeliveries, in.cfg.MaxBytes>>20)})
		return nil, false
	}
	return e, true
}

// serveDetail answers one delivery whole, its diagnosis included (waiting a little for
// one in progress).
func (in *Inspector) serveDetail(w http.ResponseWriter, r *http.Request) {
	e, ok := in.entryOf(w, r)
	if !ok {
		return
	}
	diag := ""
	if e.diag != nil {
		var done bool
		if diag, done = e.diag.wait(diagnosisWait, r.Context().Done()); !done {
			diag = "Diagnosing… (reload the delivery to see it)"
		}
	}
	writeJSON(w, http.StatusOK, newDetail(e.d, diag))
}

// serveReplay sends a delivery to the app again. Only a genuine delivery is re-signed:
// for any other the inspector would be a signing oracle for whatever was POSTed to a
// public tunnel.
func (in *Inspector) serveReplay(w http.ResponseWriter, r *http.Request) {
	if in.cfg.Replay == nil {
		writeJSON(w, http.StatusConflict, apiError{"listen has no app to replay to: start it with --forward-to URL"})
		return
	}
	e, ok := in.entryOf(w, r)
	if !ok {
		return
	}
	d := e.d
	switch {
	case d.Truncated:
		writeJSON(w, http.StatusConflict, apiError{fmt.Sprintf("delivery #%d was over the body limit and only its start was kept", d.N)})
		return
	case !d.Genuine:
		writeJSON(w, http.StatusConflict, apiError{fmt.Sprintf("delivery #%d is not re-signed: its signature does not verify under listen's secret (a forgery, or another secret's). Replay it as captured with 'openai-webhooks replay FILE --to URL' from listen --capture", d.N)})
		return
	}
	replayed, status, err := in.cfg.Replay(r.Context(), d)
	if err != nil {
		writeJSON(w, status, apiError{err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, newSummary(replayed))
}

// serveEvents is the live feed: a "snapshot" event with the inspector's state, then a
// "delivery" event for each new delivery, until the page goes or listen stops.
func (in *Inspector) serveEvents(w http.ResponseWriter, r *http.Request) {
	rctl := http.NewResponseController(w)
	// The stream stays open: the server's read deadline would otherwise end it (and
	// cancel its context) after ReadTimeout.
	_ = rctl.SetReadDeadline(time.Time{})
	_ = rctl.SetWriteDeadline(time.Time{})
	snapshot, ch, cancel := in.history.subscribe()
	defer cancel()
	b, err := json.Marshal(in.info(snapshot))
	if err != nil {
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprintf(w, "retry: 1000\nevent: snapshot\ndata: %s\n\n", b); err != nil {
		return
	}
	if rctl.Flush() != nil {
		return
	}
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case msg, ok := <-ch:
			if !ok {
				return
			}
			if _, err := fmt.Fprintf(w, "event: delivery\ndata: %s\n\n", msg); err != nil {
				return
			}
		case <-keepAlive.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		}
		if rctl.Flush() != nil {
			return
		}
	}
}

// AllowedHost reports whether a Host header names this machine: localhost (or a name
// under .localhost), a loopback address, or the host the inspector was told to listen
// on; for an unspecified address (0.0.0.0, ::), any IP address. A name that only
// resolves here (DNS rebinding) is refused.
func AllowedHost(hostHeader, configured string) bool {
	host := hostHeader
	if h, _, err := net.SplitHostPort(hostHeader); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" {
		return false
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		return true
	}
	configured = strings.ToLower(strings.Trim(configured, "[]"))
	if configured != "" && host == configured {
		return true
	}
	if c := net.ParseIP(configured); c != nil && c.IsUnspecified() && ip != nil {
		return true
	}
	return false
}

type apiError struct {
	Error string `json:"error"`
}

// writeJSON answers status with v encoded.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
