package fiberv3adapter

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/webhookkit/openai-webhooks/internal/receive"
)

// AppErrorHandler is an error handler for fiber.Config.ErrorHandler that answers like
// the adapter: {"error":"<short fixed message>"} with the status. fiber calls it for the
// refusals it makes itself before any handler runs (413 body over Config.BodyLimit, 431
// headers over ReadBufferSize, 400 a malformed request, 408 a read timeout, 501 a method
// or transfer encoding it cannot handle, …) and for errors handlers return: a
// *fiber.Error is answered with its code, any other error 500. The message depends on
// the status alone: fiber's error text, which may quote the request, is never sent, and
// an error other than a *fiber.Error is logged with slog.Default().
//
//	app := fiber.New(fiber.Config{
//		ErrorHandler: fiberv3adapter.AppErrorHandler,
//		BodyLimit:    1 << 20, // the same as WithMaxBodyBytes
//	})
func AppErrorHandler(c fiber.Ctx, err error) error {
	code := http.StatusInternalServerError
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
	}
	status, body := receive.FrameworkRefusal(code, err.Error())
	if status >= http.StatusInternalServerError {
		slog.Default().LogAttrs(c.Context(), slog.LevelError, "openai-webhooks: request failed",
			slog.String("path", c.Path()), slog.Int("status", status), slog.String("error", err.Error()))
	}
	return writeJSON(c, status, body)
}
