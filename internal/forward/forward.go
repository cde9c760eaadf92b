// Package forward POSTs a delivery to the app under development byte for byte and reads its answer.
package forward

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

// MaxAnswerBytes is how much of the app's answer is kept and passed back.
const MaxAnswerBytes = 1 << 20

// UserAgent is sent when the delivery has no User-Agent of its own.
const UserAgent = "openai-webhooks/1 (+https://github.com/webhookkit/openai-webhooks)"

// Headers are the request headers a forward or a replay carries: the three webhook
// headers the app verifies, the content type and the sender's user agent.
var Headers = []string{core.HeaderID, core.HeaderTimestamp, core.HeaderSignature, "Content-Type", "User-Agent"}

// Result is the app's answer to a delivery.
type Result struct {
	Status      int // 0 when the app did not answer
	ContentType string
	Body        []byte // at most MaxAnswerBytes
	Latency     time.Duration
	Err         error // the app could not be reached, or its answer not read
}

// Failed reports whether the app did not take the delivery: no answer, or not a 2xx.
func (r *Result) Failed() bool { return r.Status < 200 || r.Status > 299 }

// NewClient is the HTTP client of forwards and replays: it does not follow redirects,
// so the app's own answer is what is reported.
func NewClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Post POSTs body to target with the Headers of header, byte for byte, and returns the
// app's answer and how long it took.
func Post(ctx context.Context, client *http.Client, target string, header http.Header, body []byte) *Result {
	start := time.Now()
	res := &Result{}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		res.Err = err
		return res
	}
	for _, name := range Headers {
		if vs := header.Values(name); len(vs) > 0 {
			req.Header[http.CanonicalHeaderKey(name)] = append([]string(nil), vs...)
		}
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", UserAgent)
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
	res.Body, err = io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes))
	res.Latency = time.Since(start)
	if err != nil {
		res.Err = fmt.Errorf("reading the answer (status %d): %w", resp.StatusCode, err)
	}
	return res
}

// UnreachableHint says in a few words why the app did not answer.
func UnreachableHint(err error) string {
	switch {
	case err == nil:
		return "no answer"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: is the app running?"
	case errors.Is(err, context.DeadlineExceeded), strings.Contains(err.Error(), "Client.Timeout"):
		return "no answer in time"
	default:
		return err.Error()
	}
}

// TargetURI is the request URI of a target URL, for a replay's record.
func TargetURI(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return "/"
	}
	return u.RequestURI()
}

// TargetHost is the host of a target URL, for a replay's record.
func TargetHost(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	return u.Host
}

// ToItself reports whether target names the port of listening on this machine:
// forwarding there would send each delivery back to the receiver without end.
func ToItself(target string, listening net.Addr) bool {
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
