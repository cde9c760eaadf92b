package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/forward"
	"github.com/webhookkit/openai-webhooks/internal/inspector"
	"github.com/webhookkit/openai-webhooks/internal/textcut"
)

// deliveryPrinter prints what the receiver saw, one delivery at a time.
type deliveryPrinter struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
	now  func() time.Time
}

// listenLine is one line of listen --json.
type listenLine struct {
	Time         string          `json:"time"`
	N            int64           `json:"n,omitempty"`
	Outcome      string          `json:"outcome"` // received, duplicate, rejected, ignored, replayed
	Status       int             `json:"status"`
	Type         string          `json:"type,omitempty"`
	EventID      string          `json:"event_id,omitempty"`
	WebhookID    string          `json:"webhook_id,omitempty"`
	CreatedAt    int64           `json:"created_at,omitempty"`
	AgeSeconds   *int64          `json:"age_seconds,omitempty"`
	Data         json.RawMessage `json:"data,omitempty"`
	Error        string          `json:"error,omitempty"`
	Method       string          `json:"method,omitempty"`
	Path         string          `json:"path,omitempty"`
	ReplayOf     int64           `json:"replay_of,omitempty"`
	AppStatus    int             `json:"app_status,omitempty"`
	AppLatencyMS *float64        `json:"app_latency_ms,omitempty"`
	AppError     string          `json:"app_error,omitempty"`
}

func (p *deliveryPrinter) emit(line listenLine, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		b, err := json.Marshal(line)
		if err != nil {
			return
		}
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	fmt.Fprintf(p.w, "%s %s\n", p.now().Format(time.TimeOnly), text)
}

// report prints d according to its verdict, with the app's answer when it was forwarded.
func (p *deliveryPrinter) report(d *inspector.Delivery) {
	id := textcut.Truncate(d.Header.Get(core.HeaderID), 64)
	shown := textcut.Printable(id) // the text line goes to a terminal: never the sender's escapes
	line := listenLine{Time: d.At.UTC().Format(time.RFC3339), N: d.N, Status: d.Status, WebhookID: id, ReplayOf: d.ReplayOf}
	app := ""
	if d.App != nil {
		ms := float64(d.App.Latency.Microseconds()) / 1000
		line.AppLatencyMS = &ms
		line.AppStatus = d.App.Status
		if d.App.Err != nil {
			line.AppError = d.App.Err.Error()
		}
		app = "  " + appSummary(d)
	}
	switch d.Verdict {
	case inspector.Accepted, inspector.Replayed:
		line.Outcome = "received"
		what := "received "
		if d.Verdict == inspector.Replayed {
			line.Outcome, what = "replayed", fmt.Sprintf("replayed  #%d as", d.ReplayOf)
		}
		if d.Event == nil {
			p.emit(line, fmt.Sprintf("%s webhook-id %s%s", what, shown, app))
			return
		}
		e := d.Event
		age := int64(d.At.Sub(e.Timestamp) / time.Second) // the timestamp has whole seconds: floor
		var data bytes.Buffer
		if err := json.Compact(&data, e.Data); err != nil {
			data.Reset()
			data.Write(e.Data)
		}
		line.Type, line.EventID, line.CreatedAt, line.AgeSeconds = string(e.Type), e.ID, e.CreatedAt, &age
		if data.Len() > 0 {
			line.Data = json.RawMessage(data.Bytes())
		}
		p.emit(line, fmt.Sprintf("%s %s  %s  webhook-id %s  age %ds%s  data %s", what, e.Type, e.ID, e.WebhookID, age, app, data.String()))
	case inspector.Duplicate:
		line.Outcome = "duplicate"
		if d.App == nil {
			p.emit(line, fmt.Sprintf("duplicate 200  webhook-id %s  already handled: acknowledged without running the handler", shown))
			return
		}
		p.emit(line, fmt.Sprintf("duplicate %d  webhook-id %s  a redelivery of a webhook-id seen before, forwarded%s", d.Status, shown, app))
	default:
		line.Outcome, line.Error = "rejected", d.Reason
		if shown == "" {
			shown = "(none)"
		}
		p.emit(line, fmt.Sprintf("rejected  %d  webhook-id %s  %s", d.Status, shown, textcut.Printable(d.Reason)))
	}
}

// appSummary is the app's part of a printed line: "app 200 3.1ms", or why it did not answer.
func appSummary(d *inspector.Delivery) string {
	a := d.App
	if a.Status == 0 {
		return fmt.Sprintf("app unreachable (%s): answered %d", forward.UnreachableHint(a.Err), d.Status)
	}
	return fmt.Sprintf("app %d %s", a.Status, formatLatency(a.Latency))
}

// formatLatency rounds a latency for display: 3.1ms, 250µs, 1.2s.
func formatLatency(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

func (p *deliveryPrinter) ignored(r *http.Request, status int, why string) {
	line := listenLine{Time: p.now().UTC().Format(time.RFC3339), Outcome: "ignored", Status: status, Method: r.Method, Path: r.URL.Path, Error: why}
	p.emit(line, fmt.Sprintf("ignored   %d  %s %s  (%s)", status, r.Method, textcut.Printable(textcut.Truncate(r.URL.Path, 80)), why))
}
