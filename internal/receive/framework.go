package receive

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/webhookkit/openai-webhooks/core"
)

// LimitReader wraps the body reader of a framework whose own body-limit middleware
// makes Read fail with a framework-typed 413 error (echo v4 and v5: BodyLimit). A read
// error for which overLimit reports true becomes an error wrapping core.ErrBodyTooLarge,
// so the delivery is answered 413 {"error":"…"} like any other over the limit. what
// names the limit in that error, e.g. "echo's BodyLimit middleware".
func LimitReader(r io.Reader, overLimit func(error) bool, what string) *FrameworkLimit {
	return &FrameworkLimit{r: r, overLimit: overLimit, what: what}
}

// FrameworkLimit is the reader LimitReader returns.
type FrameworkLimit struct {
	r         io.Reader
	overLimit func(error) bool
	what      string
}

// Read reads from the wrapped reader, translating the framework's over-limit error.
func (l *FrameworkLimit) Read(b []byte) (int, error) {
	n, err := l.r.Read(b)
	if err != nil && l.overLimit(err) {
		err = fmt.Errorf("%w: over the limit of %s", core.ErrBodyTooLarge, l.what)
	}
	return n, err
}

// RefusalBody is the {"error":"…"} body for a refusal of the framework itself (not of
// the pipeline), answered with status: a short fixed message chosen by status alone, so
// that nothing of the framework's error text (which may quote the request or name
// internals) reaches the sender. For the error handlers the fiber adapters export for
// fiber.Config.
func RefusalBody(status int) []byte {
	return []byte(`{"error":"` + refusalMessage(status) + `"}`)
}

// refusalMessage names the refusals a server answers before any handler reads the
// delivery; other statuses use their lower-case status text.
func refusalMessage(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "malformed request"
	case http.StatusRequestTimeout:
		return "request timed out"
	case http.StatusRequestEntityTooLarge:
		return "request body too large"
	case http.StatusRequestHeaderFieldsTooLarge:
		return "request headers too large"
	case http.StatusNotImplemented:
		return "request not supported: method or transfer encoding"
	}
	if text := http.StatusText(status); text != "" {
		return strings.ToLower(text)
	}
	if status >= 500 {
		return "internal server error"
	}
	return "request refused"
}
