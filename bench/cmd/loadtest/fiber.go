package main

import (
	"net"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberadapter"
)

// startFiber serves with fiber's own fasthttp server, as fiber apps run.
func startFiber(ln net.Listener, v *core.Verifier) func() {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	if v != nil {
		app.Post("/webhook", fiberadapter.Middleware(v), func(c *fiber.Ctx) error { return c.SendStatus(http.StatusOK) })
	} else {
		app.Post("/webhook", func(c *fiber.Ctx) error {
			_ = c.BodyRaw() // fasthttp has read the body already; touch it as the middleware does
			return c.SendStatus(http.StatusOK)
		})
	}
	go func() { _ = app.Listener(ln) }()
	return func() { _ = app.Shutdown() }
}
