package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
	"github.com/webhookkit/openai-webhooks/internal/forward"
	"github.com/webhookkit/openai-webhooks/internal/inspector"
)

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

// newInspector is the inspector of rc, for the receiver at receiverURL, keeping
// maxDeliveries deliveries within maxBytes of bodies.
func newInspector(rc *receiver, receiverURL string, maxDeliveries int, maxBytes int64) *inspector.Inspector {
	cfg := inspector.Config{
		Receiver: receiverURL, ForwardTo: rc.forwardTo, MaxDeliveries: maxDeliveries, MaxBytes: maxBytes, Now: rc.now,
		Diagnose: func(d *inspector.Delivery) string {
			return inspectorDiagnosis(rc.verifier, d.Body, d.Header, d.At)
		},
	}
	if rc.forwardTo != "" {
		cfg.Replay = rc.replay
	}
	return inspector.New(cfg)
}

// inspectorDiagnosis is what verify says of a refused delivery, for the inspector. It
// is made from the verifier's keys, never from the secret's text: the report names no
// key at all, however the sender mistook it (diagnose.Verifier's promise).
func inspectorDiagnosis(v *core.Verifier, body []byte, header http.Header, at time.Time) string {
	d := diagnose.Verifier(v, diagnose.Delivery{Body: body, Headers: core.HeadersFrom(header), Header: header}, diagnose.At(at.Truncate(time.Second)))
	return reportText(d, header, 88)
}

// replay sends genuine delivery orig to the app again, re-signed with listen's secret
// (a fresh timestamp, the same webhook-id and body), and records the result as a new
// delivery. On failure it returns the status for the API and an error fit to show.
func (rc *receiver) replay(ctx context.Context, orig *inspector.Delivery) (*inspector.Delivery, int, error) {
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
	d := &inspector.Delivery{N: rc.seq.Add(1), At: now, Method: http.MethodPost, URI: forward.TargetURI(rc.forwardTo), Host: forward.TargetHost(rc.forwardTo),
		Header: header, Body: orig.Body, Verdict: inspector.Replayed, ReplayOf: orig.N, Genuine: true}
	if e, err := core.ParseEvent(orig.Body); err == nil {
		e.WebhookID, e.Timestamp = id, now.Truncate(time.Second)
		d.Event = e
	}
	d.App = forward.Post(ctx, rc.client, rc.forwardTo, header, orig.Body)
	d.Status = d.App.Status
	if d.App.Status == 0 {
		d.Status = http.StatusBadGateway
	}
	rc.out.report(d)
	rc.inspector.Add(d)
	return d, http.StatusOK, nil
}
