package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

//go:embed inspector
var inspectorFiles embed.FS

// inspectorAddr reads --ui: a port alone ("4000" or ":4000") is on 127.0.0.1, so the
// inspector is only reachable from this machine unless a host is given.
func inspectorAddr(v string) (string, error) {
	v = strings.TrimSpace(v)
	if _, err := strconv.ParseUint(v, 10, 16); err == nil {
		return net.JoinHostPort("127.0.0.1", v), nil
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return "", usageErrorf("--ui %q is not an address: give a port (4000) or host:port (127.0.0.1:4000)", v)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// newInspectorServer is the inspector's HTTP server at addr (from inspectorAddr), for
// the receiver at receiverURL. It has no write timeout (its event stream stays open)
// and closes the streams when it shuts down.
func newInspectorServer(rc *receiver, addr, receiverURL string) *http.Server {
	host, _, _ := net.SplitHostPort(addr)
	srv := &http.Server{
		Handler:           inspectorHandler(rc, host, receiverURL),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	srv.RegisterOnShutdown(rc.history.close)
	return srv
}

// inspectorInfo is the inspector's own state in the API: where deliveries arrive, where
// they go, how many are kept. Never the secret.
type inspectorInfo struct {
	Receiver   string         `json:"receiver"`
	ForwardTo  string         `json:"forward_to,omitempty"`
	History    int            `json:"history"`
	Deliveries []deliveryJSON `json:"deliveries"`
}

// inspectorHandler serves the page, its assets and the API. Every request must name
// this machine (or the configured host) in its Host header, against DNS rebinding; a
// state-changing request must be a same-origin POST.
func inspectorHandler(rc *receiver, configuredHost, receiverURL string) http.Handler {
	mux := http.NewServeMux()
	for pattern, file := range map[string]string{"GET /{$}": "inspector/index.html", "GET /app.js": "inspector/app.js", "GET /style.css": "inspector/style.css"} {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			http.ServeFileFS(w, r, inspectorFiles, file)
		})
	}
	info := func() inspectorInfo {
		return inspectorInfo{Receiver: receiverURL, ForwardTo: rc.forwardTo, History: rc.history.max, Deliveries: rc.history.list()}
	}
	mux.HandleFunc("GET /api/deliveries", func(w http.ResponseWriter, _ *http.Request) {
		writeAPI(w, http.StatusOK, info())
	})
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) {
		serveEvents(w, r, rc, info)
	})
	mux.HandleFunc("POST /api/deliveries/{n}/replay", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
		if err != nil {
			writeAPI(w, http.StatusNotFound, apiError{"no such delivery"})
			return
		}
		d, status, err := rc.replay(r.Context(), n)
		if err != nil {
			writeAPI(w, status, apiError{err.Error()})
			return
		}
		writeAPI(w, http.StatusOK, newDeliveryJSON(d))
	})
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeAPI(w, http.StatusForbidden, apiError{"cross-origin request refused"})
	}))
	protected := csrf.Handler(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if !allowedHost(r.Host, configuredHost) {
			writeAPI(w, http.StatusForbidden, apiError{"this inspector answers requests to localhost only (Host " + strconv.Quote(truncateText(r.Host, 80)) + " refused)"})
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// allowedHost reports whether a Host header names this machine: localhost (or a name
// under .localhost), a loopback address, or the host the inspector was told to listen
// on; for an unspecified address (0.0.0.0, ::), any IP address. A name that only
// resolves here (DNS rebinding) is refused.
func allowedHost(hostHeader, configured string) bool {
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

func writeAPI(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	writeJSONBody(w, status, b)
}

// serveEvents is the live feed: a "snapshot" event with the inspector's state, then a
// "delivery" event for each new delivery, until the page goes or listen stops.
func serveEvents(w http.ResponseWriter, r *http.Request, rc *receiver, info func() inspectorInfo) {
	rctl := http.NewResponseController(w)
	// The stream stays open: the server's read deadline would otherwise end it (and
	// cancel its context) after ReadTimeout.
	_ = rctl.SetReadDeadline(time.Time{})
	_ = rctl.SetWriteDeadline(time.Time{})
	snapshot, ch, cancel := rc.history.subscribe()
	defer cancel()
	first := info()
	first.Deliveries = snapshot
	b, err := json.Marshal(first)
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

// replay sends delivery n to the app again, re-signed with listen's secret (a fresh
// timestamp, the same webhook-id and body), and records the result as a new delivery.
// On failure it returns the status for the API and an error fit to show.
func (rc *receiver) replay(ctx context.Context, n int64) (*delivery, int, error) {
	if rc.forwardTo == "" {
		return nil, http.StatusConflict, errors.New("listen has no app to replay to: start it with --forward-to URL")
	}
	orig, ok := rc.history.get(n)
	if !ok {
		return nil, http.StatusNotFound, fmt.Errorf("delivery #%d is not in the history (it keeps the last %d)", n, rc.history.max)
	}
	if orig.Truncated {
		return nil, http.StatusConflict, fmt.Errorf("delivery #%d was over the body limit and only its start was kept", n)
	}
	signer, err := core.NewSigner(rc.secret)
	if err != nil {
		return nil, http.StatusConflict, errors.New("listen's secret is a public key (whpk_): it verifies but cannot sign a replay")
	}
	id := orig.Header.Get(core.HeaderID)
	if id == "" {
		id = core.NewWebhookID()
	}
	now := rc.now()
	header := make(http.Header)
	signer.Headers(id, now, orig.Body).Set(header)
	header.Set("Content-Type", orig.Header.Get("Content-Type"))
	if header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/json")
	}
	d := &delivery{N: rc.seq.Add(1), At: now, Method: http.MethodPost, URI: targetURI(rc.forwardTo), Host: targetHost(rc.forwardTo),
		Header: header, Body: orig.Body, Verdict: verdictReplayed, ReplayOf: n}
	if e, err := core.ParseEvent(orig.Body); err == nil {
		e.WebhookID, e.Timestamp = id, now.Truncate(time.Second)
		d.Event = e
	}
	d.App = postToApp(ctx, rc.client, rc.forwardTo, header, orig.Body)
	d.Status = d.App.Status
	if d.App.Status == 0 {
		d.Status = http.StatusBadGateway
	}
	rc.out.report(d)
	rc.history.add(d)
	return d, http.StatusOK, nil
}
