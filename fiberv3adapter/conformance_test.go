package fiberv3adapter_test

import (
	"errors"
	"net"
	"testing"

	"github.com/gofiber/fiber/v3"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberv3adapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Driver{
		Middleware: func(t *testing.T, v *core.Verifier, o conformance.Options, next conformance.Next) string {
			app := newApp()
			app.Post(conformance.Path, fiberv3adapter.Middleware(v, options(o)...), func(c fiber.Ctx) error {
				e, ok := fiberv3adapter.EventFrom(c)
				a := next(c.Context(), e, ok, c.Body())
				if a.Fail {
					return errors.New("next failed")
				}
				return c.Status(a.Status).SendString(conformance.NextBody)
			})
			return listen(t, app) + conformance.Path
		},
		Handler: func(t *testing.T, v *core.Verifier, o conformance.Options, h core.Handler) string {
			app := newApp()
			app.Post(conformance.Path, fiberv3adapter.Handler(v, h, options(o)...))
			return listen(t, app) + conformance.Path
		},
	})
}

// newApp returns an app whose read buffer takes the suite's 4 KiB+ signature header
// (fiber's default of 4096 bytes answers 431 before any handler runs).
func newApp(config ...fiber.Config) *fiber.App {
	var c fiber.Config
	if len(config) > 0 {
		c = config[0]
	}
	c.ReadBufferSize = 16 << 10
	if c.ErrorHandler == nil {
		c.ErrorHandler = fiberv3adapter.AppErrorHandler // as the package documentation asks
	}
	return fiber.New(c)
}

// listen serves app on a real loopback listener until the test ends and returns its
// base URL.
func listen(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true}) }()
	t.Cleanup(func() {
		if err := app.Shutdown(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + ln.Addr().String()
}

func options(o conformance.Options) []fiberv3adapter.Option {
	return conformance.AdapterOptions(o, fiberv3adapter.WithMaxBodyBytes, fiberv3adapter.WithIdempotency, fiberv3adapter.WithLogger, fiberv3adapter.WithDiagnosis, fiberv3adapter.WithObserver)
}
