package riverjobs_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testpg"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

// Replicas deployed together start at the same moment on a database River has never
// seen: each runs the migrations, and each must start.
func TestReplicasStartingTogetherOnANewDatabaseAllStart(t *testing.T) {
	const replicas = 4
	ctx := context.Background()
	t.Run("postgres", func(t *testing.T) {
		url := testpg.New(t)
		startTogether(t, replicas, func() (stopper, error) {
			q, err := riverjobs.Start(ctx, riverpgxv5.New(testpg.Connect(t, url)), mustVerifier(t), core.NewMux(), riverjobs.WithLogger(quiet))
			if err != nil {
				return nil, err
			}
			return q, nil
		})
	})
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "replicas.db")
		startTogether(t, replicas, func() (stopper, error) {
			db, err := sqlitejobs.OpenDB(ctx, path)
			if err != nil {
				return nil, err
			}
			q, err := riverjobs.Start(ctx, riversqlite.New(db), mustVerifier(t), core.NewMux(), riverjobs.WithLogger(quiet), riverjobs.WithCloser(db))
			if err != nil {
				return nil, err
			}
			return q, nil
		})
	})
}

type stopper interface{ Stop(context.Context) error }

// startTogether calls start from n goroutines at once and stops what started.
func startTogether(t *testing.T, n int, start func() (stopper, error)) {
	t.Helper()
	var wg sync.WaitGroup
	ready := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-ready
			q, err := start()
			errs[i] = err
			if err == nil {
				t.Cleanup(func() { _ = q.Stop(context.Background()) })
			}
		})
	}
	close(ready)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
}
