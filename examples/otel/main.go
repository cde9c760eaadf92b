// Command otel receives OpenAI webhooks with net/http and exports metrics of every
// delivery to Prometheus through OpenTelemetry.
//
//	OPENAI_WEBHOOK_SECRET=whsec_… go run ./examples/otel
//	curl -s localhost:3000/metrics | grep openai_webhooks
//
// It listens on PORT (default 3000; HOST optional): POST /webhooks/openai receives
// deliveries, GET /metrics serves the metrics in the Prometheus text format, and GET
// /health answers ok. After a few deliveries /metrics shows, for example:
//
//	openai_webhooks_deliveries_total{event_type="batch.completed",outcome="handled",…} 3
//	openai_webhooks_deliveries_total{outcome="refused",reason="no_matching_signature",…} 1
//	openai_webhooks_deliveries_total{event_type="response.completed",outcome="failed",reason="handler_error",…} 1
//
// The outcome tells who must act. A refused counter that keeps growing for reason
// no_matching_signature means the secret is wrong, or something between OpenAI and this
// server changes the body. Any failed delivery is this server's own failure (a handler
// error or panic, a store or queue unavailable): OpenAI retries it for up to 72 hours,
// so alert on it, e.g. increase(openai_webhooks_deliveries_total{outcome="failed"}[5m]) > 0.
// Without the Fallback below, deliveries of types no handler takes would count as
// outcome="unhandled": still answered 200, but worth a look.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprometheus "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/nethttp"
	"github.com/webhookkit/openai-webhooks/otelwebhooks"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		stop()
		os.Exit(1)
	}
}

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	verifier, err := core.NewVerifier(getenv(core.EnvSecret)) // the endpoint's whsec_… signing secret
	if err != nil {
		return fmt.Errorf("%s: %w", core.EnvSecret, err) // says what is wrong: empty, not base64, too short, …
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))

	// The OpenTelemetry SDK's meter provider, read by its Prometheus exporter. A registry
	// of our own holds the exporter (prometheus.DefaultRegisterer works as well).
	registry := prometheus.NewRegistry()
	exporter, err := otelprometheus.New(otelprometheus.WithRegisterer(registry))
	if err != nil {
		return fmt.Errorf("prometheus exporter: %w", err)
	}
	meterProvider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer func() { _ = meterProvider.Shutdown(context.Background()) }()

	// The observer: metrics to meterProvider. Spans go to the global tracer provider,
	// which records nothing until the program sets one, e.g.
	// otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithBatcher(otlpExporter))).
	observer, err := otelwebhooks.New(otelwebhooks.WithMeterProvider(meterProvider))
	if err != nil {
		return err
	}

	events := core.NewMux()
	events.OnFunc(core.ResponseCompleted, func(ctx context.Context, e *core.Event) error {
		data, err := core.DecodeData[core.ResponseData](e)
		if err != nil {
			return err // a 5xx answer makes OpenAI retry the delivery later
		}
		logger.InfoContext(ctx, "response completed", "response_id", data.ID)
		return nil
	})
	events.Fallback(core.HandlerFunc(func(ctx context.Context, e *core.Event) error {
		// OpenAI adds event types over time: acknowledge the ones you do not handle.
		logger.InfoContext(ctx, "event", "type", e.Type, "event_id", e.ID)
		return nil
	}))

	routes := http.NewServeMux()
	routes.Handle("POST /webhooks/openai", nethttp.Handler(verifier, events,
		nethttp.WithLogger(logger), nethttp.WithObserver(observer)))
	routes.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError)}))
	routes.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })

	return serve(ctx, getenv, stdout, routes)
}

// serve serves handler on HOST:PORT with timeouts until ctx is done, then shuts down
// gracefully, letting deliveries in progress finish.
func serve(ctx context.Context, getenv func(string) string, stdout io.Writer, handler http.Handler) error {
	port := getenv("PORT")
	if port == "" {
		port = "3000"
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(getenv("HOST"), port))
	if err != nil {
		return fmt.Errorf("listen on port %s: %w (set PORT to a free port)", port, err)
	}
	fmt.Fprintf(stdout, "listening on %s\n", listener.Addr())

	server := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second, // a slow client cannot hold a connection open
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second, // OpenAI waits about 20 s for an answer
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- server.Serve(listener) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
