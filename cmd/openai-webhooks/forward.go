package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// forwardTimeout bounds one forward to the app: below the write timeout of listen's
// server (30 s), so the sender gets a 502 rather than a cut connection.
const forwardTimeout = 25 * time.Second

// maxAnswerBytes is how much of the app's answer is kept and passed back.
const maxAnswerBytes = 1 << 20

// forwardedHeaders are the request headers a forward or a replay carries: the three
// webhook headers the app verifies, the content type and the sender's user agent.
var forwardedHeaders = []string{core.HeaderID, core.HeaderTimestamp, core.HeaderSignature, "Content-Type", "User-Agent"}

// parseTargetURL checks a --forward-to or --to URL.
func parseTargetURL(flagName, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usageErrorf("%s %q is not an http:// or https:// URL (for example http://localhost:8080/webhooks/openai)", flagName, raw)
	}
	return u.String(), nil
}

// newTargetClient is the HTTP client of forwards and replays: it does not follow
// redirects, so the app's own answer is what is reported.
func newTargetClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// postToApp POSTs body to target with the forwarded headers of header, byte for byte,
// and returns the app's answer and how long it took.
func postToApp(ctx context.Context, client *http.Client, target string, header http.Header, body []byte) *appResult {
	start := time.Now()
	res := &appResult{}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		res.Err = err
		return res
	}
	for _, name := range forwardedHeaders {
		if vs := header.Values(name); len(vs) > 0 {
			req.Header[http.CanonicalHeaderKey(name)] = append([]string(nil), vs...)
		}
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", progName+"/1 (+https://github.com/webhookkit/openai-webhooks)")
	}
	resp, err := client.Do(req)
	if err != nil {
		res.Latency = time.Since(start)
		res.Err = err
		return res
	}
	defer resp.Body.Close()
	res.Status = resp.StatusCode
	res.ContentType = resp.Header.Get("Content-Type")
	res.Body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	res.Latency = time.Since(start)
	if err != nil {
		res.Err = fmt.Errorf("reading the answer (status %d): %w", resp.StatusCode, err)
	}
	return res
}

// unreachableHint says in a few words why the app did not answer.
func unreachableHint(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: is the app running?"
	case errors.Is(err, context.DeadlineExceeded), strings.Contains(err.Error(), "Client.Timeout"):
		return "no answer in time"
	default:
		return err.Error()
	}
}

// forwardHandler is the handler after verification with --forward-to: it sends the
// delivery to the app and answers the sender with the app's status and body, or 502
// when the app cannot be reached.
func forwardHandler(client *http.Client, target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := deliveryFrom(r.Context())
		if d == nil { // cannot happen: listenHandler always sets it
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		res := postToApp(r.Context(), client, target, d.Header, d.Body)
		d.App = res
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

// targetURI is the request URI of a target URL, for a replay's record.
func targetURI(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return "/"
	}
	return u.RequestURI()
}

// targetHost is the host of a target URL, for a replay's record.
func targetHost(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	return u.Host
}

// forwardsToItself reports whether target names the receiver's own port on this
// machine: forwarding there would send each delivery back to listen without end.
func forwardsToItself(target string, listening net.Addr) bool {
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	_, listenPort, err := net.SplitHostPort(listening.String())
	if err != nil || port != listenPort {
		return false
	}
	host := strings.ToLower(u.Hostname())
	ip := net.ParseIP(host)
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || (ip != nil && (ip.IsLoopback() || ip.IsUnspecified()))
}
