package receive

import (
	"fmt"
	"io"

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
