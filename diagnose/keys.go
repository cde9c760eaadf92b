package diagnose

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/keyset"
	"github.com/webhookkit/openai-webhooks/internal/secrethint"
)

// The keys a sender may have used: the secret as given, and the mistakes made with it.

const (
	prefixHMAC   = "whsec_"
	prefixPublic = "whpk_"
)

// keysOf decodes secret with core's own rules (core.NewVerifier); nil when it refuses it.
func keysOf(secret string) []keyset.Key {
	v, err := core.NewVerifier(secret)
	if err != nil {
		return nil
	}
	set, _ := keyset.Of(v)
	return set.Keys
}

// secretText writes a key back as the secret that holds it: whsec_ or whpk_ and
// standard base64, the form OpenAI shows.
func secretText(k keyset.Key) string {
	if k.Public != nil {
		return prefixPublic + base64.StdEncoding.EncodeToString(k.Public)
	}
	return prefixHMAC + base64.StdEncoding.EncodeToString(k.HMAC)
}

// redactSecret keeps the prefix and a fixed 4-character hint of a secret for display,
// never more, whichever form the secret has.
func redactSecret(s string) string { return secrethint.Of(s) }

// keyVariants lists the keys as given (given, decoded from secret by the caller) and the
// keys a sender may have used by mistake with secret. show says whether the secret's
// first characters may appear in the phrases (a command-line report), or not (a log).
func keyVariants(secret string, given []keyset.Key, show bool) []variant[keyset.Key] {
	s := strings.TrimSpace(secret)
	var out []variant[keyset.Key]
	for _, k := range given {
		out = append(out, variant[keyset.Key]{value: k})
	}
	if strings.HasPrefix(s, prefixPublic) {
		return out
	}
	label := func(text string) string {
		if !show {
			return ""
		}
		return fmt.Sprintf("%q ", redactSecret(text))
	}
	const keyFix = `The key is the bytes the base64 after "whsec_" encodes: key = base64decode(secret without "whsec_"). Fix the signer (or the verifier that was given the same mistake).`
	withPrefix := s
	if !strings.HasPrefix(s, prefixHMAC) {
		withPrefix = prefixHMAC + s
	}
	bare := strings.TrimPrefix(s, prefixHMAC)
	out = append(out,
		variant[keyset.Key]{
			value: keyset.Key{HMAC: []byte(withPrefix)},
			kind:  KindSecretAsText,
			what:  fmt.Sprintf("HMAC is keyed with the secret text itself (%sas characters, prefix included)", label(withPrefix)),
			why:   "The sender keyed HMAC with the secret text instead of base64-decoding it. " + keyFix,
		},
		variant[keyset.Key]{
			value: keyset.Key{HMAC: []byte(bare)},
			kind:  KindSecretAsText,
			what:  fmt.Sprintf("HMAC is keyed with the text after whsec_ (%sas characters, not the bytes it encodes)", label(bare)),
			why:   "The sender keyed HMAC with the secret text after whsec_ instead of base64-decoding it. " + keyFix,
		},
		variant[keyset.Key]{
			value: keyset.Key{HMAC: decodeBase64Node(withPrefix)},
			kind:  KindSecretDecodedWithPrefix,
			what:  "the key is base64-decoded from the whole secret, whsec_ prefix included",
			why:   `The sender decoded the secret without removing "whsec_" first (Node's Buffer.from(secret, "base64") accepts those six characters and shifts every byte). Strip the "whsec_" prefix, then base64-decode the rest.`,
		},
	)
	if unquoted := strings.Trim(s, `"'`); unquoted != s && unquoted != "" {
		for _, k := range keysOf(unquoted) {
			out = append(out, variant[keyset.Key]{
				value: k,
				kind:  KindSecretQuoted,
				what:  "the secret is taken without its surrounding quotes",
				why:   "The secret was given with quotes around it (kept by a .env file, a YAML value or shell quoting). Remove them.",
			})
		}
	}
	// The configured secret may itself be the base64 of the secret's text (a Kubernetes
	// Secret's data field, or `base64` run once too often): its key is then the text of
	// the real secret, and that secret decodes once more.
	for _, k := range given {
		if k.HMAC == nil {
			continue
		}
		if inner := strings.TrimSpace(string(k.HMAC)); strings.HasPrefix(inner, prefixHMAC) || strings.HasPrefix(inner, prefixPublic) {
			for _, real := range keysOf(inner) {
				out = append(out, variant[keyset.Key]{
					value: real,
					kind:  KindSecretEncodedTwice,
					what:  "the secret is base64-decoded once more (the configured value encodes the text of a whsec_ secret)",
					why:   "The configured secret is the base64 of the real secret's text: it was encoded once too often (a Kubernetes Secret's data field, or base64 run on the whsec_ value). Configure the whsec_ value itself.",
				})
			}
		}
	}
	return dedupeKeys(out)
}

func dedupeKeys(in []variant[keyset.Key]) []variant[keyset.Key] {
	var out []variant[keyset.Key]
	seen := map[string]bool{}
	for _, v := range in {
		k := string(v.value.HMAC) + "\x00" + string(v.value.Public)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, v)
	}
	return out
}
