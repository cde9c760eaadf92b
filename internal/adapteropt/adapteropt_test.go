package adapteropt

import (
	"log/slog"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/idempotency"
)

type handler func() string

// The options set what they name, later ones win, and the zero Option changes nothing.
func TestBuild(t *testing.T) {
	store := idempotency.NewMemoryStore()
	logger := slog.Default()
	h := handler(func() string { return "mine" })
	opts := []Option[handler]{
		{},
		MaxBodyBytes[handler](10),
		MaxBodyBytes[handler](20),
		Idempotency[handler](store, []idempotency.ClaimOption{idempotency.Lease(time.Minute)}),
		Logger[handler](logger),
		Diagnosis[handler](),
		ErrorHandler(h),
	}
	c := Build(opts, handler(func() string { return "default" }))
	if c.MaxBodyBytes != 20 || c.Store != store || c.Lease != time.Minute || c.Keep != idempotency.DefaultKeep ||
		c.Logger != logger || !c.Diagnosis || c.OnError == nil || c.OnError() != "mine" || c.Observer != nil {
		t.Fatalf("Build gave %+v", c)
	}
	zero := Build([]Option[handler]{{}, ErrorHandler[handler](nil)}, handler(func() string { return "default" }))
	if zero.MaxBodyBytes != 0 || zero.OnError() != "default" || zero.Store != nil {
		t.Fatalf("the zero Option or a nil error handler changed %+v", zero)
	}
}

// A nil error handler restores the default, also after another one: the adapters'
// WithErrorHandler says "WriteError by default or when h is nil", as before adapteropt.
func TestNilErrorHandlerRestoresTheDefault(t *testing.T) {
	mine := handler(func() string { return "mine" })
	c := Build([]Option[handler]{ErrorHandler(mine), ErrorHandler[handler](nil)}, handler(func() string { return "default" }))
	if c.OnError == nil || c.OnError() != "default" {
		t.Fatal("WithErrorHandler(nil) after another handler kept that handler")
	}
}
