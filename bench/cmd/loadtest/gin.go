package main

import (
	"io"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/ginadapter"
)

func startGin(ln net.Listener, v *core.Verifier) func() {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New() // no logger, no recovery: the same bare engine on both sides
	if v != nil {
		engine.POST("/webhook", ginadapter.Middleware(v), func(c *gin.Context) { c.Status(http.StatusOK) })
	} else {
		engine.POST("/webhook", func(c *gin.Context) {
			_, _ = io.Copy(io.Discard, c.Request.Body)
			c.Status(http.StatusOK)
		})
	}
	return serveHTTP(ln, engine)
}
