package main

import (
	"errors"
	"net/http"
	"time"
)

// newServer returns an http.Server with the timeouts a public receiver needs: OpenAI
// waits about 20 s for an answer.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// errServerClosed reports the normal end of Serve.
func errServerClosed(err error) bool { return errors.Is(err, http.ErrServerClosed) }
