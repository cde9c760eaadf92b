package conformance_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/conformance"
	"github.com/webhookkit/openai-webhooks/nethttp"
)

// TestNetHTTP runs the suite against package nethttp; the other adapters run it from
// their own packages.
func TestNetHTTP(t *testing.T) {
	conformance.Run(t, conformance.Driver{
		Middleware: func(t *testing.T, v *core.Verifier, o conformance.Options, next conformance.Next) string {
			mw := nethttp.Middleware(v, options(o)...)
			return serve(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				e, ok := nethttp.EventFrom(r)
				body, _ := io.ReadAll(r.Body)
				a := next(r.Context(), e, ok, body)
				if a.Fail {
					http.Error(w, "next failed", http.StatusInternalServerError)
					return
				}
				w.WriteHeader(a.Status)
				_, _ = io.WriteString(w, conformance.NextBody)
			})))
		},
		Handler: func(t *testing.T, v *core.Verifier, o conformance.Options, h core.Handler) string {
			return serve(t, nethttp.Handler(v, h, options(o)...))
		},
	})
}

func options(o conformance.Options) []nethttp.Option {
	return conformance.AdapterOptions(o, nethttp.WithMaxBodyBytes, nethttp.WithIdempotency, nethttp.WithLogger, nethttp.WithDiagnosis, nethttp.WithObserver)
}

func serve(t *testing.T, h http.Handler) string {
	mux := http.NewServeMux()
	mux.Handle("POST "+conformance.Path, h)
	return conformance.Serve(t, mux)
}
