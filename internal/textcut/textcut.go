// Package textcut shortens outside text for logs and displays without cutting a character in half.
package textcut

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Truncate returns s when it is at most n bytes long; otherwise its first n bytes or
// fewer, cut back to the start of a character, followed by "…". The result is valid
// UTF-8 whenever s is.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return Prefix(s, n) + "…"
}

// Prefix returns s when it is at most n bytes long; otherwise its first n bytes or fewer,
// cut back to the start of a character, with no mark: for a value whose size is bounded,
// such as a metric attribute.
func Prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < 0 {
		n = 0
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Printable returns s with every character a terminal may act on written as a Go escape
// (\x1b, \x0a, \u009b, \u202e): the C0 and C1 control characters, DEL, the bidirectional
// controls, and the bytes of invalid UTF-8 (\xff). Outside text printed to a terminal
// (a path or a header a sender chose) must go through it: an escape sequence could
// retitle the window, rewrite the screen or forge a line of output.
func Printable(s string) string {
	clean := utf8.ValidString(s)
	for _, r := range s {
		if needsEscape(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && needsEscape(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}
