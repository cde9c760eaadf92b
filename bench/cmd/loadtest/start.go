package main

import (
	"net"
	"net/http"
	"time"

	fiberv3 "github.com/gofiber/fiber/v3"

	"github.com/webhookkit/openai-webhooks/bench/internal/servers"
	"github.com/webhookkit/openai-webhooks/core"
)

func startNetHTTP(ln net.Listener, v *core.Verifier) func() { return serveHTTP(ln, servers.NetHTTP(v)) }

func startGin(ln net.Listener, v *core.Verifier) func() { return serveHTTP(ln, servers.Gin(v)) }

func startEcho(ln net.Listener, v *core.Verifier) func() { return serveHTTP(ln, servers.Echo(v)) }

func startEchoV5(ln net.Listener, v *core.Verifier) func() { return serveHTTP(ln, servers.EchoV5(v)) }

// startFiber serves with fiber's own fasthttp server, as fiber apps run.
func startFiber(ln net.Listener, v *core.Verifier) func() {
	app := servers.Fiber(v)
	go func() { _ = app.Listener(ln) }()
	return func() { _ = app.Shutdown() }
}

// serveHTTP serves h on ln with net/http's server, as gin and echo apps run in
// production, and returns a func that shuts it down.
func serveHTTP(ln net.Listener, h http.Handler) func() {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }
}

// startFiberV3 serves with fiber v3's own fasthttp server, as fiber apps run.
func startFiberV3(ln net.Listener, v *core.Verifier) func() {
	app := servers.FiberV3(v)
	go func() { _ = app.Listener(ln, fiberv3.ListenConfig{DisableStartupMessage: true}) }()
	return func() { _ = app.Shutdown() }
}
