// Package textcut shortens outside text for logs and displays without cutting a character in half.
package textcut

import "unicode/utf8"

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
