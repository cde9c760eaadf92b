package capture

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// DefaultRefusedBudget is how many bytes of refused deliveries' captures a Dir keeps by
// default: anyone who finds a public tunnel's URL can POST to it, and must not be able
// to fill the disk.
const DefaultRefusedBudget = 64 << 20

// Dir saves deliveries as capture files in a directory, named
// <6-digit sequence>-<UTC time>-<webhook-id>.http so that ls lists them in arrival
// order; the sequence continues after the files already there. The captures of refused
// deliveries written by this Dir are kept within a byte budget, the oldest removed
// first; verified deliveries (which only the secret's holder can make) are all kept.
// Safe for concurrent use.
type Dir struct {
	path   string
	offset int64 // the highest sequence number found in the directory at start
	budget int64

	mu           sync.Mutex
	refused      []savedFile // this Dir's refused captures, oldest first
	refusedBytes int64
	// evicted are the refused captures made room for while still being written: their
	// writer removes them once written, since until then there is nothing to remove.
	evicted map[string]bool
}

type savedFile struct {
	path    string
	size    int64
	writing bool
}

// OpenDir creates the directory path when needed and finds where its numbering
// continues. refusedBudget is the bytes of refused captures kept; 0 keeps none.
func OpenDir(path string, refusedBudget int64) (*Dir, error) {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	d := &Dir{path: path, budget: max(refusedBudget, 0), evicted: map[string]bool{}}
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "-")
		if !ok || !strings.HasSuffix(e.Name(), Ext) {
			continue
		}
		if n, err := strconv.ParseInt(prefix, 10, 64); err == nil && n > d.offset {
			d.offset = n
		}
	}
	return d, nil
}

// Save writes r, the n-th delivery of this run received at at, and returns the file's
// path. The capture of a refused delivery makes room for itself by removing this Dir's
// oldest refused captures; one larger than the whole budget is not written, and Save
// returns "" and no error.
func (d *Dir) Save(n int64, at time.Time, r Request, refused bool) (string, error) {
	data := Format(r)
	size := int64(len(data))
	if refused && size > d.budget {
		return "", nil
	}
	name := fmt.Sprintf("%06d-%s-%s%s", d.offset+n, at.UTC().Format("20060102T150405.000Z"),
		fileSafe(r.Header.Get(core.HeaderID)), Ext)
	path := filepath.Join(d.path, name)
	// Room first, so that the directory never holds more than the budget.
	if refused {
		for _, old := range d.reserve(path, size) {
			_ = os.Remove(old) // already gone (removed by the user) is fine
		}
	}
	if err := writeNew(path, data); err != nil {
		if refused {
			d.release(path)
		}
		return "", err
	}
	if refused && !d.written(path) {
		// Newer refused captures made room while this one was written.
		_ = os.Remove(path)
		return "", nil
	}
	return path, nil
}

// reserve accounts for a refused capture of size bytes at path and returns the files to
// remove to stay within the budget. The file system is not touched under the lock; a
// capture still being written is left to its writer (see written).
func (d *Dir) reserve(path string, size int64) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var remove []string
	for d.refusedBytes+size > d.budget && len(d.refused) > 0 {
		old := d.refused[0]
		if old.writing {
			d.evicted[old.path] = true
		} else {
			remove = append(remove, old.path)
		}
		d.refusedBytes -= old.size
		d.refused[0] = savedFile{}
		d.refused = d.refused[1:]
	}
	d.refusedBytes += size
	d.refused = append(d.refused, savedFile{path: path, size: size, writing: true})
	return remove
}

// written records that the refused capture at path is on disk, and reports whether it
// is still kept: false when it was made room for while it was being written, and its
// writer must remove it.
func (d *Dir) written(path string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.evicted[path] {
		delete(d.evicted, path)
		return false
	}
	// From the newest: the capture was reserved moments ago, and the list may hold
	// hundreds of thousands of small ones.
	for i := len(d.refused) - 1; i >= 0; i-- {
		if d.refused[i].path == path {
			d.refused[i].writing = false
			break
		}
	}
	return true
}

// release gives back the reservation of a capture that could not be written.
func (d *Dir) release(path string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.evicted, path)
	for i, f := range d.refused {
		if f.path == path {
			d.refusedBytes -= f.size
			d.refused = append(d.refused[:i], d.refused[i+1:]...)
			return
		}
	}
}

// writeNew writes data to a new file at path; a file it could not write whole is
// removed, so that no partial capture stays outside the budget's count.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}

// fileSafe keeps the letters, digits, _ and - of a webhook-id (at most 64 of them), for
// a file name; "none" when nothing is left.
func fileSafe(id string) string {
	var b strings.Builder
	for _, r := range id {
		if b.Len() >= 64 {
			break
		}
		if r == '_' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}
