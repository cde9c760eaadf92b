package ginadapter_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/webhookkit/openai-webhooks/ginadapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

// BenchmarkMiddleware sends a genuine 400-byte delivery through Middleware to a no-op
// handler.
func BenchmarkMiddleware(b *testing.B) {
	_, v, s := conformance.Keys(b)
	r := gin.New()
	r.POST(conformance.Path, ginadapter.Middleware(v), func(c *gin.Context) { c.Status(http.StatusOK) })
	conformance.BenchHTTP(b, r, s)
}
