package echov5adapter_test

import (
	"errors"
	"io"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/echov5adapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Driver{
		Middleware: func(t *testing.T, v *core.Verifier, o conformance.Options, next conformance.Next) string {
			e := echo.New()
			e.POST(conformance.Path, func(c *echo.Context) error {
				ev, ok := echov5adapter.EventFrom(c)
				body, _ := io.ReadAll(c.Request().Body)
				a := next(c.Request().Context(), ev, ok, body)
				if a.Fail {
					return errors.New("next failed")
				}
				return c.String(a.Status, conformance.NextBody)
			}, echov5adapter.Middleware(v, options(o)...))
			return conformance.Serve(t, e)
		},
		Handler: func(t *testing.T, v *core.Verifier, o conformance.Options, h core.Handler) string {
			e := echo.New()
			e.POST(conformance.Path, echov5adapter.Handler(v, h, options(o)...))
			return conformance.Serve(t, e)
		},
	})
}

func options(o conformance.Options) []echov5adapter.Option {
	return conformance.AdapterOptions(o, echov5adapter.WithMaxBodyBytes, echov5adapter.WithIdempotency, echov5adapter.WithLogger, echov5adapter.WithDiagnosis, echov5adapter.WithObserver)
}
