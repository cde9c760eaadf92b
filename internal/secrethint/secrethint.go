// Package secrethint names a secret in banners, logs and pages by a 4-character hint, never more.
package secrethint

import "strings"

// Size is how many characters of the key a hint shows.
const Size = 4

// prefixes are the schemes of the Standard Webhooks secrets; they are not part of the key.
var prefixes = []string{"whsec_", "whpk_", "whsk_"}

// Of returns the hint of secret: its prefix (whsec_, whpk_ or whsk_, when it has one),
// the first Size characters of the key and "…", e.g. "whsec_MfKQ…". A key shorter than
// 2×Size characters shows no character at all.
func Of(secret string) string {
	s := strings.TrimSpace(secret)
	prefix := ""
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			prefix, s = p, s[len(p):]
			break
		}
	}
	r := []rune(s)
	if len(r) < 2*Size {
		return prefix + "…"
	}
	return prefix + string(r[:Size]) + "…"
}
