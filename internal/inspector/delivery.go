package inspector

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/forward"
	"github.com/webhookkit/openai-webhooks/internal/textcut"
)

// Verdicts of a delivery, as listen prints, captures and shows them.
const (
	Accepted  = "accepted"  // verified, handled (and forwarded with --forward-to)
	Duplicate = "duplicate" // verified, a webhook-id seen before
	Refused   = "refused"   // answered by listen with an error status
	Replayed  = "replayed"  // sent to the app again from the inspector
	// Failed is shown, never recorded: a verified delivery the app did not take (it
	// answered a non-2xx or did not answer), whatever listen's own verdict.
	Failed = "failed"
)

// Delivery is what listen knows of one request POSTed at its path, or of one replay
// from the inspector. It is filled while the request is handled and not changed once
// it is added to an Inspector.
type Delivery struct {
	N         int64
	At        time.Time
	Method    string
	URI       string
	Host      string
	Header    http.Header
	Body      []byte
	Truncated bool // Body holds the first bytes only: the body was over the limit

	Verdict  string
	Status   int    // the status listen answered the sender (the app's when forwarded)
	Reason   string // why it was refused
	Event    *core.Event
	App      *forward.Result // the app's answer, with --forward-to
	ReplayOf int64           // for a replay: the delivery it replays
	// Genuine: its signature verifies under listen's secret, its age aside. Only a
	// genuine delivery is re-signed by a replay.
	Genuine bool
}

// size is what d costs the history's byte bound: its body, its headers (up to 64 KiB a
// request) and the app's answer.
func (d *Delivery) size() int64 {
	n := int64(len(d.Body))
	for name, values := range d.Header {
		n += int64(len(name))
		for _, v := range values {
			n += int64(len(v))
		}
	}
	if d.App != nil {
		n += int64(len(d.App.Body))
	}
	return n
}

// Bounds of the text a summary carries from a delivery: it is the sender's.
const (
	maxSummaryText = 200
	maxAppBody     = 4096
)

// Summary is one delivery in the list: GET /api/deliveries, the live feed and the
// replay's answer. It carries neither the headers nor the body (GET
// /api/deliveries/{n} does), so the list stays small however large the deliveries.
type Summary struct {
	N         int64    `json:"n"`
	Time      string   `json:"time"`
	Verdict   string   `json:"verdict"`
	Status    int      `json:"status"`
	Reason    string   `json:"reason,omitempty"`
	Type      string   `json:"type,omitempty"`
	EventID   string   `json:"event_id,omitempty"`
	WebhookID string   `json:"webhook_id"`
	ReplayOf  int64    `json:"replay_of,omitempty"`
	App       *AppJSON `json:"app,omitempty"`
	Method    string   `json:"method"`
	Path      string   `json:"path"`
	Size      int      `json:"size"`
	Truncated bool     `json:"truncated,omitempty"`
	// Resign: a replay re-signs it (it is genuine and complete).
	Resign bool `json:"resign"`
}

// AppJSON is the app's answer to a forwarded or replayed delivery.
type AppJSON struct {
	Status    int     `json:"status,omitempty"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
	Body      string  `json:"body,omitempty"` // in Detail only
}

// Detail is one delivery whole: GET /api/deliveries/{n}. It never holds the secret:
// the headers are the request's, the diagnosis is made from the verifier's keys.
type Detail struct {
	Summary
	Headers   map[string][]string `json:"headers"`
	Body      string              `json:"body"`
	Diagnosis string              `json:"diagnosis,omitempty"`
}

func newSummary(d *Delivery) Summary {
	s := Summary{
		N: d.N, Time: d.At.UTC().Format(time.RFC3339Nano), Verdict: d.Verdict, Status: d.Status,
		Reason: textcut.Truncate(d.Reason, 2*maxSummaryText), WebhookID: textcut.Truncate(d.Header.Get(core.HeaderID), maxSummaryText),
		ReplayOf: d.ReplayOf, Method: d.Method, Path: textcut.Truncate(d.URI, maxSummaryText),
		Size: len(d.Body), Truncated: d.Truncated, Resign: d.Genuine && !d.Truncated,
	}
	e := d.Event
	if e == nil && len(d.Body) <= maxParsedBody {
		// A refused delivery's claims, shown for orientation only.
		e, _ = core.ParseEvent(d.Body)
	}
	if e != nil {
		s.Type, s.EventID = textcut.Truncate(string(e.Type), maxSummaryText), textcut.Truncate(e.ID, maxSummaryText)
	}
	if d.App != nil {
		s.App = &AppJSON{Status: d.App.Status, LatencyMS: float64(d.App.Latency.Microseconds()) / 1000}
		if d.App.Err != nil {
			s.App.Error = textcut.Truncate(forward.UnreachableHint(d.App.Err), 2*maxSummaryText)
		}
		if (d.Verdict == Accepted || d.Verdict == Duplicate) && d.App.Failed() {
			s.Verdict = Failed
		}
	}
	return s
}

// maxParsedBody bounds the refused bodies parsed for their claimed type and id: a
// forgery's claims are not worth parsing a megabyte for.
const maxParsedBody = 64 << 10

func newDetail(d *Delivery, diagnosis string) Detail {
	j := Detail{Summary: newSummary(d), Headers: map[string][]string(d.Header.Clone()), Body: string(d.Body), Diagnosis: diagnosis}
	if j.Headers == nil {
		j.Headers = map[string][]string{}
	}
	if d.Host != "" {
		j.Headers["Host"] = []string{d.Host}
	}
	if j.App != nil {
		app := *j.App
		app.Body = textcut.Truncate(string(d.App.Body), maxAppBody)
		j.App = &app
	}
	return j
}

// summaryJSON is the summary of d, encoded.
func summaryJSON(d *Delivery) []byte {
	b, err := json.Marshal(newSummary(d))
	if err != nil {
		// A Summary is strings and numbers: this cannot fail, but the list must stay JSON.
		return []byte(`{"n":0,"verdict":"refused"}`)
	}
	return b
}
