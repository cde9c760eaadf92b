package capture_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/internal/capture"
)

// TestDirRefusedBudgetConcurrent: refused captures saved at once (a flood of forgeries
// from several senders) stay within the budget. A capture still being written when a
// newer one makes room must not escape the count and stay on disk for good.
func TestDirRefusedBudgetConcurrent(t *testing.T) {
	dir := t.TempDir()
	body := bytes.Repeat([]byte("x"), 256<<10)
	size := int64(len(capture.Format(capture.Request{Header: nil, Body: body})))
	budget := 3 * size
	d, err := capture.OpenDir(dir, budget)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var n sync.Mutex
	seq := int64(0)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 40 {
				n.Lock()
				seq++
				i := seq
				n.Unlock()
				if _, err := d.Save(i, time.Now(), capture.Request{Body: body}, true); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	files, err := filepath.Glob(filepath.Join(dir, "*"+capture.Ext))
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		total += fi.Size()
	}
	if total > budget {
		t.Fatalf("%d refused captures hold %d bytes on disk, over the budget of %d", len(files), total, budget)
	}
}
