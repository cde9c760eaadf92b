// Package capture is the file format of captured deliveries (listen --capture, replay, verify --request) and their directory with its byte budget.
package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Ext is the extension of capture files; a directory given to replay stands for its
// files with this extension.
const Ext = ".http"

// Request is one delivery as it arrived: what a capture file holds.
type Request struct {
	Method string
	URI    string // the request URI: path and query
	Host   string
	Header http.Header
	Body   []byte
}

// Format renders r as an HTTP/1.1 request: request line, Host, the headers sorted by
// name, the Content-Length of the body, a blank line and the body.
func Format(r Request) []byte {
	var b bytes.Buffer
	uri := r.URI
	if uri == "" {
		uri = "/"
	}
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, uri)
	if r.Host != "" {
		fmt.Fprintf(&b, "Host: %s\r\n", r.Host)
	}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		switch http.CanonicalHeaderKey(name) {
		case "Host", "Content-Length", "Transfer-Encoding", "Connection", "Trailer":
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range r.Header[name] {
			fmt.Fprintf(&b, "%s: %s\r\n", name, v)
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(r.Body))
	b.Write(r.Body)
	return b.Bytes()
}

// Files expands the arguments of replay: a file is itself, a directory the capture
// files in it, sorted by name (the arrival order of listen --capture).
func Files(args []string) ([]string, error) {
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
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), Ext) {
				found = append(found, filepath.Join(arg, e.Name()))
			}
		}
		if len(found) == 0 {
			return nil, &fs.PathError{Op: "replay", Path: arg, Err: errors.New("no " + Ext + " files in this directory")}
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}
