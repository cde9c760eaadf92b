package main

import (
	"io"
	"net"
	"net/http"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

func startNetHTTP(ln net.Listener, v *core.Verifier) func() {
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
	if v != nil {
		noop := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
		h = nethttp.Middleware(v)(noop)
	}
	return serveHTTP(ln, h)
}

// serveHTTP serves h on ln with net/http's server, as gin and echo apps run in
// production, and returns a func that shuts it down.
func serveHTTP(ln net.Listener, h http.Handler) func() {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }
}
