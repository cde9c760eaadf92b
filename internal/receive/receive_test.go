package receive

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadLimited(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		limit   int64
		wantErr error
	}{
		{"empty", "", 10, nil},
		{"under", "hello", 10, nil},
		{"exactly at the limit", strings.Repeat("x", 10), 10, nil},
		{"one byte over", strings.Repeat("x", 11), 10, errOverLimit},
		{"far over", strings.Repeat("x", 100_000), 10, errOverLimit},
		{"larger than the buffer", strings.Repeat("y", 70_000), 1 << 20, nil},
	}
	for _, tc := range tests {
		for _, oneByte := range []bool{false, true} {
			var r = iotest.DataErrReader(strings.NewReader(tc.body))
			if oneByte {
				r = iotest.OneByteReader(strings.NewReader(tc.body))
			}
			got, err := readLimited(make([]byte, 0, 16), r, tc.limit)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("%s (one byte at a time: %v): error %v, want %v", tc.name, oneByte, err, tc.wantErr)
			}
			if tc.wantErr == nil && string(got) != tc.body {
				t.Fatalf("%s: read %d bytes, want %d", tc.name, len(got), len(tc.body))
			}
			if tc.wantErr != nil && int64(len(got)) != tc.limit+1 {
				t.Fatalf("%s: read %d bytes before refusing, want limit+1 = %d", tc.name, len(got), tc.limit+1)
			}
		}
	}
}

func TestReadLimitedPassesReaderErrors(t *testing.T) {
	broken := errors.New("connection reset")
	got, err := readLimited(nil, iotest.TimeoutReader(bytes.NewReader([]byte("abc"))), 10)
	if err == nil || string(got) != "abc" {
		t.Fatalf("got %q, %v; want the bytes so far and the reader's error", got, err)
	}
	if _, err := readLimited(nil, iotest.ErrReader(broken), 10); !errors.Is(err, broken) {
		t.Fatalf("got %v, want %v", err, broken)
	}
}
