// Package servers builds the servers the middleware benchmarks and the load test compare,
// one pair per framework (echo and fiber in both of their majors): with a non-nil verifier, the adapter's Middleware in front of a
// handler that only answers 200; with nil, a bare handler that reads the body and answers
// 200. Every server answers POST Path.
package servers

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/gofiber/fiber/v2"
	fiberv3 "github.com/gofiber/fiber/v3"
	"github.com/labstack/echo/v4"
	echov5 "github.com/labstack/echo/v5"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/echoadapter"
	"github.com/webhookkit/openai-webhooks/echov5adapter"
	"github.com/webhookkit/openai-webhooks/fiberadapter"
	"github.com/webhookkit/openai-webhooks/fiberv3adapter"
	"github.com/webhookkit/openai-webhooks/ginadapter"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// Path is the route every server answers.
const Path = "/webhook"

// NetHTTP returns the net/http handler.
func NetHTTP(v *core.Verifier) http.Handler {
	if v == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusOK)
		})
	}
	return nethttp.Middleware(v)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
}

// Gin returns a gin engine with no logger and no recovery: the same bare engine on both
// sides.
func Gin(v *core.Verifier) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	if v != nil {
		engine.POST(Path, ginadapter.Middleware(v), func(c *gin.Context) { c.Status(http.StatusOK) })
	} else {
		engine.POST(Path, func(c *gin.Context) {
			_, _ = io.Copy(io.Discard, c.Request.Body)
			c.Status(http.StatusOK)
		})
	}
	return engine
}

// Echo returns an echo instance.
func Echo(v *core.Verifier) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	if v != nil {
		e.POST(Path, func(c echo.Context) error { return c.NoContent(http.StatusOK) }, echoadapter.Middleware(v))
	} else {
		e.POST(Path, func(c echo.Context) error {
			_, _ = io.Copy(io.Discard, c.Request().Body)
			return c.NoContent(http.StatusOK)
		})
	}
	return e
}

// Fiber returns a fiber app.
func Fiber(v *core.Verifier) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	if v != nil {
		app.Post(Path, fiberadapter.Middleware(v), func(c *fiber.Ctx) error { return c.SendStatus(http.StatusOK) })
	} else {
		app.Post(Path, func(c *fiber.Ctx) error {
			_ = c.BodyRaw() // fasthttp has read the body already; touch it as the middleware does
			return c.SendStatus(http.StatusOK)
		})
	}
	return app
}

// EchoV5 returns an echo v5 instance.
func EchoV5(v *core.Verifier) *echov5.Echo {
	e := echov5.New()
	if v != nil {
		e.POST(Path, func(c *echov5.Context) error { return c.NoContent(http.StatusOK) }, echov5adapter.Middleware(v))
	} else {
		e.POST(Path, func(c *echov5.Context) error {
			_, _ = io.Copy(io.Discard, c.Request().Body)
			return c.NoContent(http.StatusOK)
		})
	}
	return e
}

// FiberV3 returns a fiber v3 app.
func FiberV3(v *core.Verifier) *fiberv3.App {
	app := fiberv3.New()
	if v != nil {
		app.Post(Path, fiberv3adapter.Middleware(v), func(c fiberv3.Ctx) error { return c.SendStatus(http.StatusOK) })
	} else {
		app.Post(Path, func(c fiberv3.Ctx) error {
			_ = c.BodyRaw() // fasthttp has read the body already; touch it as the middleware does
			return c.SendStatus(http.StatusOK)
		})
	}
	return app
}
