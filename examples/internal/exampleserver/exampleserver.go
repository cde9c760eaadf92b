// Package exampleserver is the part every example shares and none is about: reading
// PORT and HOST, server timeouts, and a graceful shutdown on SIGINT or SIGTERM. In your
// own program, use your usual server set-up; the webhook part is in each example's main.go.
package exampleserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// RunFunc is an example's program: it serves until ctx is done, reads its configuration
// with getenv, and writes "listening on <host:port>" to stdout once it accepts connections.
type RunFunc func(ctx context.Context, getenv func(string) string, stdout io.Writer) error

// Main runs run with the process's environment until SIGINT or SIGTERM, and exits 1
// with the error when run fails.
func Main(run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		stop()
		os.Exit(1)
	}
}

// Listen opens HOST:PORT (PORT defaults to 3000) and reports it on stdout.
func Listen(getenv func(string) string, stdout io.Writer) (net.Listener, error) {
	port := getenv("PORT")
	if port == "" {
		port = "3000"
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(getenv("HOST"), port))
	if err != nil {
		return nil, fmt.Errorf("listen on port %s: %w (set PORT to a free port)", port, err)
	}
	fmt.Fprintf(stdout, "listening on %s\n", listener.Addr())
	return listener, nil
}

// Serve serves handler on HOST:PORT with timeouts until ctx is done, then shuts down
// gracefully, letting deliveries in progress finish.
func Serve(ctx context.Context, getenv func(string) string, stdout io.Writer, handler http.Handler) error {
	server := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second, // a slow client cannot hold a connection open
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second, // OpenAI waits about 20 s for an answer
		IdleTimeout:       2 * time.Minute,
	}
	listener, err := Listen(getenv, stdout)
	if err != nil {
		return err
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
