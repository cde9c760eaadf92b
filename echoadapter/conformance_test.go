package echoadapter_test

import (
	"errors"
	"io"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/echoadapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Driver{
		Middleware: func(t *testing.T, v *core.Verifier, o conformance.Options, next conformance.Next) string {
			e := newEcho()
			e.POST(conformance.Path, func(c echo.Context) error {
				ev, ok := echoadapter.EventFrom(c)
				body, _ := io.ReadAll(c.Request().Body)
				a := next(c.Request().Context(), ev, ok, body)
				if a.Fail {
					return errors.New("next failed")
				}
				return c.String(a.Status, conformance.NextBody)
			}, echoadapter.Middleware(v, options(o)...))
			return conformance.Serve(t, e)
		},
		Handler: func(t *testing.T, v *core.Verifier, o conformance.Options, h core.Handler) string {
			e := newEcho()
			e.POST(conformance.Path, echoadapter.Handler(v, h, options(o)...))
			return conformance.Serve(t, e)
		},
	})
}

func newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	return e
}

func options(o conformance.Options) []echoadapter.Option {
	return conformance.AdapterOptions(o, echoadapter.WithMaxBodyBytes, echoadapter.WithIdempotency, echoadapter.WithLogger, echoadapter.WithDiagnosis, echoadapter.WithObserver)
}
