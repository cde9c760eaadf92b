package textcut_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/webhookkit/openai-webhooks/internal/textcut"
)

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"", 3, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"abc", 0, "…"},
		{"abc", -1, "…"},
		{"héllo", 2, "h…"},  // é is two bytes: not cut in half
		{"héllo", 3, "hé…"}, // the whole é fits
		{"日本語", 4, "日…"},    // three-byte characters
		{"日本語", 9, "日本語"},
		{"a😀b", 4, "a…"}, // a four-byte character
	} {
		if got := textcut.Truncate(tc.s, tc.n); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

func FuzzTruncate(f *testing.F) {
	f.Add("héllo wörld", 4)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n > 1<<20 || n < -1<<20 {
			return
		}
		got := textcut.Truncate(s, n)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("Truncate(%q, %d) = %q: not valid UTF-8", s, n, got)
		}
		if len(s) > n && len(strings.TrimSuffix(got, "…")) > max(n, 0) {
			t.Fatalf("Truncate(%q, %d) = %q: longer than %d bytes", s, n, got, n)
		}
		if !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
			t.Fatalf("Truncate(%q, %d) = %q: not a prefix", s, n, got)
		}
	})
}

func TestPrefix(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "abc"},
		{"héllo", 2, "h"},
		{"日本語", 5, "日"},
		{"abc", -1, ""},
	} {
		if got := textcut.Prefix(tc.s, tc.n); got != tc.want {
			t.Errorf("Prefix(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ s, want string }{
		{"", ""},
		{"/webhooks/openai", "/webhooks/openai"},
		{"héllo 日本語 😀", "héllo 日本語 😀"},
		{"a\x1b]0;t\x07b", `a\x1b]0;t\x07b`},
		{"line\nforged", `line\x0aforged`},
		{"tab\there\x7f", `tab\x09here\x7f`},
		{"c1\u009b31m", `c1\u009b31m`},
		{"rtl\u202eevil", `rtl\u202eevil`},
		{"bad\xff\xfeutf8", `bad\xff\xfeutf8`},
		{"\ufffd", "\ufffd"}, // a replacement character that was sent as one
	} {
		got := textcut.Printable(tc.s)
		if got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.s, got, tc.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Printable(%q) = %q is not valid UTF-8", tc.s, got)
		}
	}
}
