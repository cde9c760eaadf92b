package listener

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/forward"
	"github.com/webhookkit/openai-webhooks/internal/inspector"
)

// ErrNoApp: a replay needs ForwardTo.
var ErrNoApp = errors.New("listen has no app to replay to: start it with --forward-to URL")

// Replay sends delivery orig to the app again, re-signed with the secret (a fresh
// timestamp, the same webhook-id and body), reports it as a new delivery and returns
// it; on failure, the status for the inspector's API and an error fit to show. The
// caller (the inspector) has checked that orig is genuine: Replay signs what it is given.
func (rc *Receiver) Replay(ctx context.Context, orig *inspector.Delivery) (*inspector.Delivery, int, error) {
	if rc.cfg.ForwardTo == "" {
		return nil, http.StatusConflict, ErrNoApp
	}
	signer, err := core.NewSigner(rc.cfg.Secret)
	if err != nil {
		return nil, http.StatusConflict, errors.New("listen's secret is a public key (whpk_): it verifies but cannot sign a replay")
	}
	id := orig.Header.Get(core.HeaderID)
	if id == "" {
		id = core.NewWebhookID()
	}
	now := rc.cfg.Now()
	header := make(http.Header)
	signer.Headers(id, now, orig.Body).Set(header)
	header.Set("Content-Type", orig.Header.Get("Content-Type"))
	if header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/json")
	}
	target := rc.cfg.ForwardTo
	d := &inspector.Delivery{N: rc.seq.Add(1), At: now, Method: http.MethodPost, URI: forward.TargetURI(target), Host: forward.TargetHost(target),
		Header: header, Body: orig.Body, Verdict: inspector.Replayed, ReplayOf: orig.N, Genuine: true}
	if e, err := core.ParseEvent(orig.Body); err == nil {
		e.WebhookID, e.Timestamp = id, now.Truncate(time.Second)
		d.Event = e
	}
	d.App = forward.Post(ctx, rc.client, target, header, orig.Body)
	d.Status = d.App.Status
	if d.App.Status == 0 {
		d.Status = http.StatusBadGateway
	}
	rc.cfg.Report(d)
	return d, http.StatusOK, nil
}
