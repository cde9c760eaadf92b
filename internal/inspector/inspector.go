// Package inspector is listen's web inspector: the bounded history of deliveries, their diagnoses, the page, JSON API and live feed.
package inspector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// Defaults of Config.
const (
	DefaultMaxDeliveries = 500
	// DefaultMaxBytes bounds the bodies (and the app's answers) the history keeps: a
	// tunnel's URL is public, and 500 forgeries of 1 MiB must not sit in memory.
	DefaultMaxBytes = 64 << 20
)

// Config is what an Inspector shows and how it reaches the rest of listen.
type Config struct {
	Receiver      string // the URL deliveries are sent to
	ForwardTo     string // the app's URL, "" without --forward-to
	MaxDeliveries int    // the history keeps the last MaxDeliveries (DefaultMaxDeliveries when 0)
	MaxBytes      int64  // and at most MaxBytes of bodies (DefaultMaxBytes when 0)
	// Diagnose explains a refused delivery the way verify does, without the secret; nil
	// diagnoses nothing. It runs off the receiver's path, within the gate's bounds.
	Diagnose func(d *Delivery) string
	// Replay sends delivery orig to the app again and returns the new delivery, which it
	// has added; on failure the status for the API and an error fit to show.
	Replay func(ctx context.Context, orig *Delivery) (*Delivery, int, error)
	Now    func() time.Time
}

// Inspector keeps listen's deliveries and serves them. Safe for concurrent use.
type Inspector struct {
	cfg     Config
	history *history
	gate    *receive.DiagnosisGate
}

// New returns an Inspector with cfg.
func New(cfg Config) *Inspector {
	if cfg.MaxDeliveries <= 0 {
		cfg.MaxDeliveries = DefaultMaxDeliveries
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Inspector{cfg: cfg, history: newHistory(cfg.MaxDeliveries, cfg.MaxBytes), gate: receive.NewDiagnosisGate(cfg.Now)}
}

// MaxDeliveries is how many deliveries the history keeps.
func (in *Inspector) MaxDeliveries() int { return in.cfg.MaxDeliveries }

// Add records d, which must not change afterwards. A delivery refused 400 is diagnosed
// in the background when the gate allows: Add never waits for it.
func (in *Inspector) Add(d *Delivery) {
	e := &entry{d: d, summary: summaryJSON(d)}
	if in.cfg.Diagnose != nil && d.Verdict == Refused && d.Status == http.StatusBadRequest {
		e.diag = &diagnosis{done: make(chan struct{})}
		diag := e.diag
		if err := in.gate.Go(len(d.Body), func() { diag.set(in.cfg.Diagnose(d)) }); err != nil {
			diag.set(notDiagnosed(err))
		}
	}
	in.history.add(e)
}

func notDiagnosed(err error) string {
	const how = "Save it with listen --capture and run 'openai-webhooks verify --request FILE' on it."
	if errors.Is(err, receive.ErrNotDiagnosedBody) {
		return fmt.Sprintf("Not diagnosed: the body is over %d KiB. %s", receive.MaxDiagnosedBody>>10, how)
	}
	return fmt.Sprintf("Not diagnosed: too many refused deliveries at once (%d at once, %d in a burst, then one every %s). %s", receive.DiagnosisConcurrency, receive.DiagnosisBurst, receive.DiagnosisEvery, how)
}

// Get returns delivery n while the history keeps it.
func (in *Inspector) Get(n int64) (*Delivery, bool) {
	e, ok := in.history.get(n)
	if !ok {
		return nil, false
	}
	return e.d, true
}

// Close ends the live pages' streams, so that the server can shut down.
func (in *Inspector) Close() { in.history.close() }

// Server is the inspector's HTTP server for the address it listens on (host:port). It
// has no write timeout (its event stream stays open) and closes the streams when it
// shuts down.
func (in *Inspector) Server(addr string) *http.Server {
	host, _, _ := net.SplitHostPort(addr)
	srv := &http.Server{
		Handler:           in.Handler(host),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	srv.RegisterOnShutdown(in.Close)
	return srv
}
