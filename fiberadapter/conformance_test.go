package fiberadapter_test

import (
	"errors"
	"net"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/fiberadapter"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Driver{
		Middleware: func(t *testing.T, v *core.Verifier, o conformance.Options, next conformance.Next) string {
			app := newApp()
			app.Post(conformance.Path, fiberadapter.Middleware(v, options(o)...), func(c *fiber.Ctx) error {
				e, ok := fiberadapter.EventFrom(c)
				a := next(c.UserContext(), e, ok, c.Body())
				if a.Fail {
					return errors.New("next failed")
				}
				return c.Status(a.Status).SendString(conformance.NextBody)
			})
			return listen(t, app)
		},
		Handler: func(t *testing.T, v *core.Verifier, o conformance.Options, h core.Handler) string {
			app := newApp()
			app.Post(conformance.Path, fiberadapter.Handler(v, h, options(o)...))
			return listen(t, app)
		},
	})
}

// newApp returns an app whose read buffer takes the suite's 4 KiB+ signature header
// (fiber's default of 4096 bytes answers 431 before any handler runs).
func newApp() *fiber.App {
	return fiber.New(fiber.Config{DisableStartupMessage: true, ReadBufferSize: 16 << 10, ErrorHandler: fiberadapter.AppErrorHandler})
}

// listen serves app on a real loopback listener until the test ends.
func listen(t *testing.T, app *fiber.App) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	t.Cleanup(func() {
		if err := app.Shutdown(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + ln.Addr().String() + conformance.Path
}

func options(o conformance.Options) []fiberadapter.Option {
	return conformance.AdapterOptions(o, fiberadapter.WithMaxBodyBytes, fiberadapter.WithIdempotency, fiberadapter.WithLogger, fiberadapter.WithDiagnosis, fiberadapter.WithObserver)
}
