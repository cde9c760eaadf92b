package ginadapter_test

import (
	"errors"
	"io"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/ginadapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

func init() { gin.SetMode(gin.ReleaseMode) }

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Driver{
		Middleware: func(t *testing.T, v *core.Verifier, o conformance.Options, next conformance.Next) string {
			r := gin.New()
			r.POST(conformance.Path, ginadapter.Middleware(v, options(o)...), func(c *gin.Context) {
				e, ok := ginadapter.EventFrom(c)
				body, _ := io.ReadAll(c.Request.Body)
				a := next(c.Request.Context(), e, ok, body)
				if a.Fail {
					_ = c.AbortWithError(500, errors.New("next failed"))
					return
				}
				c.String(a.Status, conformance.NextBody)
			})
			return conformance.Serve(t, r)
		},
		Handler: func(t *testing.T, v *core.Verifier, o conformance.Options, h core.Handler) string {
			r := gin.New()
			r.POST(conformance.Path, ginadapter.Handler(v, h, options(o)...))
			return conformance.Serve(t, r)
		},
	})
}

func options(o conformance.Options) []ginadapter.Option {
	return conformance.AdapterOptions(o, ginadapter.WithMaxBodyBytes, ginadapter.WithIdempotency, ginadapter.WithLogger, ginadapter.WithDiagnosis, ginadapter.WithObserver)
}
