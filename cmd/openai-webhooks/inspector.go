package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
	"github.com/webhookkit/openai-webhooks/internal/capture"
	"github.com/webhookkit/openai-webhooks/internal/inspector"
	"github.com/webhookkit/openai-webhooks/internal/listener"
)

// listenOutput is where listen's deliveries go: the printer and, with --ui, the inspector.
type listenOutput struct {
	printer   *deliveryPrinter
	inspector *inspector.Inspector // nil without --ui; set before the receiver serves
	verifier  *core.Verifier
}

func (o *listenOutput) report(d *inspector.Delivery) {
	o.printer.report(d)
	if o.inspector != nil {
		o.inspector.Add(d)
	}
}

// newListenParts wires listen's receiver to its printer (stdout) and problems (stderr).
func newListenParts(opts listenOptions, secret string, v *core.Verifier, capDir *capture.Dir, stdout, stderr io.Writer, now func() time.Time) (*listener.Receiver, *listenOutput) {
	out := &listenOutput{printer: &deliveryPrinter{w: stdout, json: opts.json, now: now}, verifier: v}
	rcv := listener.New(listener.Config{
		Secret: secret, Verifier: v, Path: opts.path, ForwardTo: opts.forwardTo, Capture: capDir, Now: now,
		Report: out.report, Ignored: out.printer.ignored,
		Problem: func(err error) { fmt.Fprintf(stderr, "%s listen: %v\n", progName, err) },
	})
	return rcv, out
}

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

// newInspector is the inspector of listen's receiver at receiverURL.
func newInspector(rcv *listener.Receiver, out *listenOutput, opts listenOptions, receiverURL string) *inspector.Inspector {
	cfg := inspector.Config{
		Receiver: receiverURL, ForwardTo: opts.forwardTo, MaxDeliveries: opts.history, MaxBytes: opts.historyBytes,
		Diagnose: func(d *inspector.Delivery) string {
			return inspectorDiagnosis(out.verifier, d.Body, d.Header, d.At)
		},
	}
	if opts.forwardTo != "" {
		cfg.Replay = rcv.Replay
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
