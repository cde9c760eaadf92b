package main

import (
	"io"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/echoadapter"
)

func startEcho(ln net.Listener, v *core.Verifier) func() {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	if v != nil {
		e.POST("/webhook", func(c echo.Context) error { return c.NoContent(http.StatusOK) }, echoadapter.Middleware(v))
	} else {
		e.POST("/webhook", func(c echo.Context) error {
			_, _ = io.Copy(io.Discard, c.Request().Body)
			return c.NoContent(http.StatusOK)
		})
	}
	return serveHTTP(ln, e)
}
