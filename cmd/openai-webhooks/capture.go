package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// captureExt is the extension of capture files; replay reads the files of a directory
// that have it.
const captureExt = ".http"

// captureDir saves each delivery as one raw HTTP request file, the format
// `verify --request` and `replay` read. Files are named
// <6-digit sequence>-<UTC time>-<webhook-id>.http, so that ls lists them in arrival
// order; the sequence continues after the files already in the directory.
type captureDir struct {
	dir    string
	offset int64 // the highest sequence number found in dir at start
}

// newCaptureDir creates dir when needed and finds where its numbering continues.
func newCaptureDir(dir string) (*captureDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--capture: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--capture: %w", err)
	}
	c := &captureDir{dir: dir}
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "-")
		if !ok || !strings.HasSuffix(e.Name(), captureExt) {
			continue
		}
		if n, err := strconv.ParseInt(prefix, 10, 64); err == nil && n > c.offset {
			c.offset = n
		}
	}
	return c, nil
}

// save writes d as a file and returns its path.
func (c *captureDir) save(d *delivery) (string, error) {
	name := fmt.Sprintf("%06d-%s-%s%s", c.offset+d.N, captureTime(d.At),
		fileSafe(d.Header.Get(core.HeaderID)), captureExt)
	path := filepath.Join(c.dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := f.Write(captureBytes(d)); err != nil {
		_ = f.Close()
		return "", err
	}
	return path, f.Close()
}

// captureBytes renders d as an HTTP/1.1 request: request line, Host, the headers sorted
// by name, Content-Length of the body kept, a blank line and the body.
func captureBytes(d *delivery) []byte {
	var b bytes.Buffer
	uri := d.URI
	if uri == "" {
		uri = "/"
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", d.Method, uri)
	if d.Host != "" {
		fmt.Fprintf(&b, "Host: %s\r\n", d.Host)
	}
	names := make([]string, 0, len(d.Header))
	for name := range d.Header {
		switch http.CanonicalHeaderKey(name) {
		case "Host", "Content-Length", "Transfer-Encoding", "Connection", "Trailer":
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range d.Header[name] {
			fmt.Fprintf(&b, "%s: %s\r\n", name, v)
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(d.Body))
	b.Write(d.Body)
	return b.Bytes()
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

// captureFiles expands the arguments of replay: a file is itself, a directory the
// *.http files in it, sorted by name (the arrival order of listen --capture).
func captureFiles(args []string) ([]string, error) {
	var files []string
	for _, arg := range args {
		fi, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			files = append(files, arg)
			continue
		}
		entries, err := os.ReadDir(arg)
		if err != nil {
			return nil, err
		}
		var found []string
		for _, e := range entries {
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), captureExt) {
				found = append(found, filepath.Join(arg, e.Name()))
			}
		}
		if len(found) == 0 {
			return nil, &fs.PathError{Op: "replay", Path: arg, Err: errors.New("no " + captureExt + " files in this directory")}
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// captureTime formats the arrival time for a capture's name: sortable, to the millisecond.
func captureTime(t time.Time) string { return t.UTC().Format("20060102T150405.000Z") }
