package capture

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/webhookkit/openai-webhooks/internal/textcut"
)

// Parsed is a delivery read from a saved raw HTTP request.
type Parsed struct {
	Header http.Header
	Body   []byte
	Notes  []string // what was assumed or repaired while reading it
}

var (
	requestLine = regexp.MustCompile(`^[A-Z]+ \S+ HTTP/\d(\.\d)?\r?$`)
	headerLine  = regexp.MustCompile(`^[!#$%&'*+\-.^_|~0-9A-Za-z]+:`)
)

// Parse reads a request as saved by listen --capture, a proxy, a request bin or
// `nc -l`: request line, headers, blank line, body. Lines may end in CRLF or a bare LF.
// A file that starts with the headers (no request line) is read as a POST. The body is
// what follows the blank line: Content-Length bytes of it when that header is there, the
// whole rest when the rest is longer by more than line-ending white space (its line
// endings were probably converted, which verify then diagnoses).
func Parse(raw []byte) (*Parsed, error) {
	var notes []string
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	firstLine, _, _ := bytes.Cut(raw, []byte("\n"))
	if !requestLine.Match(firstLine) {
		if !headerLine.Match(firstLine) {
			return nil, fmt.Errorf("the first line %q is neither a request line (POST /path HTTP/1.1) nor a header (name: value)", textcut.Truncate(string(bytes.TrimRight(firstLine, "\r")), 60))
		}
		notes = append(notes, "the file has no request line; it was read as the headers and body of a POST")
		raw = append([]byte("POST / HTTP/1.1\r\n"), raw...)
	}
	br := bufio.NewReader(bytes.NewReader(raw))
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, fmt.Errorf("not a readable HTTP request: %w", err)
	}
	p := &Parsed{Header: req.Header}
	if len(req.TransferEncoding) > 0 && req.TransferEncoding[0] == "chunked" {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, fmt.Errorf("reading the chunked body: %w", err)
		}
		p.Body = body
		p.Notes = append(notes, "the body was sent chunked; its chunks were joined")
		return p, nil
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		return nil, err
	}
	cl := req.Header.Get("Content-Length")
	if cl == "" {
		p.Body, p.Notes = rest, notes
		return p, nil
	}
	n, err := strconv.Atoi(cl)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("Content-Length %q is not a number", cl)
	}
	switch {
	case len(rest) == n:
		p.Body = rest
	case len(rest) > n && strings.Trim(string(rest[n:]), "\r\n") == "":
		p.Body = rest[:n]
		notes = append(notes, fmt.Sprintf("the file has %d byte(s) after the %d of Content-Length (%q, probably added when it was saved); they were left out", len(rest)-n, n, rest[n:]))
	case len(rest) > n:
		p.Body = rest
		notes = append(notes, fmt.Sprintf("the body in the file is %d bytes, longer than its Content-Length of %d; all %d were used (were its line endings converted?)", len(rest), n, len(rest)))
	default:
		p.Body = rest
		notes = append(notes, fmt.Sprintf("the body in the file is %d bytes, shorter than its Content-Length of %d (cut short, or its line endings converted?)", len(rest), n))
	}
	p.Notes = notes
	return p, nil
}
