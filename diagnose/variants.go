package diagnose

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/keyset"
)

// The diagnosis of a signature that does not match: rebuild what the sender may have
// signed (other forms of the secret, of the timestamp, of the body) and see which one
// the signature header matches. Each alternative is one common mistake, explained by its
// cause and its fix. The signed content is core.AppendSignedContent's, the keys are
// decoded by core.NewVerifier: the rules are core's, only the mistakes are here.

// variant is one alternative of one part of the signed content. what is empty for the
// part as given.
type variant[T any] struct {
	value T
	kind  Kind   // the mistake this alternative stands for
	what  string // the alternative, as a phrase: "the body without its final newline"
	why   string // the likely cause and the fix
}

// signatureEntry is one decoded entry of the webhook-signature header.
type signatureEntry struct {
	version string // "v1" (HMAC) or "v1a" (ed25519)
	sig     []byte
	kind    Kind
	what    string // empty for a well-formed "v1,<base64>" entry, else how it is malformed
	why     string
}

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
	var set keyset.Set
	v.CopyKeys(&set)
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

// redactSecret keeps the prefix and a few characters of a secret for display.
func redactSecret(s string) string {
	s = strings.TrimSpace(s)
	const keep = 10
	if len(s) <= keep {
		return s
	}
	return s[:keep] + "…"
}

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

// decodeBase64Node decodes like Node's Buffer.from(s, "base64"): both alphabets, other
// characters skipped, stop at "=", trailing bits dropped. It is how a whsec_ secret is
// decoded by mistake with its prefix ("whsec_" are six valid characters to Node).
func decodeBase64Node(s string) []byte {
	var out []byte
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v int
		switch {
		case c >= 'A' && c <= 'Z':
			v = int(c - 'A')
		case c >= 'a' && c <= 'z':
			v = int(c-'a') + 26
		case c >= '0' && c <= '9':
			v = int(c-'0') + 52
		case c == '+' || c == '-':
			v = 62
		case c == '/' || c == '_':
			v = 63
		case c == '=':
			return out
		default:
			continue
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	return out
}

// timestampVariants: the header text, and the Unix-seconds text a re-formatted
// timestamp came from (or was turned into).
func timestampVariants(ts string) []variant[string] {
	out := []variant[string]{{value: ts}}
	add := func(value string) {
		if value == "" || value == ts {
			return
		}
		for _, v := range out {
			if v.value == value {
				return
			}
		}
		out = append(out, variant[string]{
			value: value,
			kind:  KindTimestampReformatted,
			what:  fmt.Sprintf("the timestamp is signed as %q (the header carries %q)", value, ts),
			why:   "The timestamp was re-formatted between signing and sending (milliseconds, a float, a date, padding or a sign). Sign exactly the text sent in webhook-timestamp, decimal Unix seconds, and verify it as received.",
		})
	}
	trimmed := strings.TrimSpace(ts)
	add(trimmed)
	digits := strings.TrimLeft(strings.TrimPrefix(trimmed, "+"), "0")
	add(digits)
	if whole, _, ok := strings.Cut(trimmed, "."); ok {
		add(strings.TrimLeft(whole, "0"))
	}
	if n, err := strconv.ParseInt(digits, 10, 64); err == nil {
		switch {
		case len(digits) >= 18:
			add(strconv.FormatInt(n/1_000_000_000, 10))
		case len(digits) >= 15:
			add(strconv.FormatInt(n/1_000_000, 10))
		case len(digits) >= 12:
			add(strconv.FormatInt(n/1000, 10))
		default:
			add(strconv.FormatInt(n*1000, 10)) // signed in milliseconds, sent in seconds
		}
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, time.DateTime, http.TimeFormat, time.RFC1123Z} {
		if t, err := time.Parse(layout, trimmed); err == nil {
			add(strconv.FormatInt(t.Unix(), 10))
		}
	}
	return out
}

// idVariants: the header text, and without surrounding white space.
func idVariants(id string) []variant[string] {
	out := []variant[string]{{value: id}}
	if t := strings.TrimSpace(id); t != id && t != "" {
		out = append(out, variant[string]{
			value: t,
			kind:  KindIDWhitespace,
			what:  "the webhook-id is signed without its surrounding white space",
			why:   "The webhook-id header carries white space that was not signed. Send and verify the id unchanged.",
		})
	}
	return out
}

// maxJSONVariantBody bounds the bodies that are re-serialised in every style.
const maxJSONVariantBody = 1 << 20

// bodyVariants: the body as given, and the bodies it may have been before something
// changed it: newline added or lost, line endings converted, a BOM, a re-serialisation.
func bodyVariants(body []byte) []variant[[]byte] {
	out := []variant[[]byte]{{value: body}}
	seen := map[string]bool{string(body): true}
	add := func(b []byte, kind Kind, what, why string) {
		if seen[string(b)] {
			return
		}
		seen[string(b)] = true
		out = append(out, variant[[]byte]{value: b, kind: kind, what: what, why: why})
	}
	const rawFix = " Verify the raw bytes exactly as received, and store or copy them unchanged."
	switch {
	case bytes.HasSuffix(body, []byte("\r\n")):
		add(body[:len(body)-2], KindBodyNewline, `the body is taken without its final CRLF ("\r\n")`,
			"A line break was added to the end of the body after it was signed (by an editor, echo, a capture tool or a proxy)."+rawFix)
	case bytes.HasSuffix(body, []byte("\n")):
		add(body[:len(body)-1], KindBodyNewline, `the body is taken without its final newline ("\n")`,
			"A newline was added to the end of the body after it was signed (by an editor, echo, a capture tool or a proxy)."+rawFix)
	}
	if t := bytes.TrimRight(body, " \t\r\n"); len(t) != len(body) {
		add(t, KindBodyNewline, "the body is taken without its trailing white space",
			"White space was added to the end of the body after it was signed."+rawFix)
	}
	add(append(bytes.Clone(body), '\n'), KindBodyNewline, `the body gets back a final newline ("\n")`,
		"The body lost its final newline after it was signed (trimmed by a framework, strip()/trim(), or copied by hand)."+rawFix)
	add(append(bytes.Clone(body), '\r', '\n'), KindBodyNewline, `the body gets back a final CRLF ("\r\n")`,
		"The body lost its final line break after it was signed (trimmed by a framework, strip()/trim(), or copied by hand)."+rawFix)
	if bytes.Contains(body, []byte("\r\n")) {
		add(bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")), KindLineEndings, "the body's CRLF line endings are turned back into LF",
			"The line endings were converted from LF to CRLF after signing (a Windows editor, git's autocrlf, a text-mode write, a capture tool)."+rawFix)
	}
	if lf := bytes.Count(body, []byte("\n")); lf > bytes.Count(body, []byte("\r\n")) {
		crlf := bytes.ReplaceAll(bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		add(crlf, KindLineEndings, "the body's LF line endings are turned back into CRLF",
			"The line endings were converted from CRLF to LF after signing (an editor, git, a text-mode read, a capture tool)."+rawFix)
	}
	if b, ok := bytes.CutPrefix(body, []byte("\xef\xbb\xbf")); ok {
		add(b, KindBOM, "the body is taken without its UTF-8 byte order mark",
			"A byte order mark was added to the body after signing (an editor saving as \"UTF-8 with BOM\")."+rawFix)
	}
	if len(body) <= maxJSONVariantBody {
		const jsonWhy = "The bytes you have are a re-serialisation of the JSON that was signed: either the receiver parsed the body and encoded it again before verifying (a body-parser and JSON.stringify(req.body), json.Marshal of a decoded value, request.get_json(), a logging or capture tool), or the sender signed one serialisation and sent another (signing json.dumps(payload) but posting json=payload). The signature covers the raw bytes: verify them before anything parses them (express.raw, io.ReadAll(r.Body), request.get_data())."
		if node, err := parseJSON(body); err == nil {
			for _, st := range JSONStyles() {
				b := st.format(node)
				what := "the body is the same JSON serialised " + st.String()
				add(b, KindBodyReserialized, what, jsonWhy)
				add(append(b, '\n'), KindBodyReserialized, what+", with a final newline", jsonWhy)
			}
		}
	}
	return out
}

// decoded is one reading of a signature's text.
type decoded struct {
	b         []byte
	kind      Kind
	what, why string
}

// decodeSignature reads s as standard base64 and as the encodings senders use by mistake.
func decodeSignature(s string) []decoded {
	var res []decoded
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		res = append(res, decoded{b, KindNone, "", ""})
	} else if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		res = append(res, decoded{b, KindSignatureEncoding, "the signature is base64 without its = padding", `The sender dropped the "=" padding of the base64 signature; such entries are skipped. Send standard base64 with padding.`})
	}
	if strings.ContainsAny(s, "-_") {
		if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
			res = append(res, decoded{b, KindSignatureEncoding, "the signature is URL-safe base64 (- and _)", "The sender encoded the signature with the URL-safe base64 alphabet. Standard Webhooks uses standard base64 (+ and /) with padding."})
		}
	}
	if b, err := hex.DecodeString(s); err == nil {
		res = append(res, decoded{b, KindSignatureEncoding, "the signature is hex instead of base64", "The sender encoded the HMAC as hex (hexdigest()). Standard Webhooks uses base64: v1,<base64 of the 32 bytes>."})
	}
	return res
}

// parseSignatureEntries decodes every entry of a webhook-signature header, also those
// that are malformed in a recognisable way (hex, URL-safe base64, no version, v1=…,
// Stripe's t=…,v1=…).
func parseSignatureEntries(header string) []signatureEntry {
	var out []signatureEntry
	for _, entry := range strings.Fields(header) {
		version, sig, hasComma := strings.Cut(entry, ",")
		switch {
		case hasComma && (version == "v1" || version == "v1a"):
			for _, d := range decodeSignature(sig) {
				out = append(out, signatureEntry{version: version, sig: d.b, kind: d.kind, what: d.what, why: d.why})
			}
		case strings.HasPrefix(entry, "t=") || strings.Contains(entry, ",v1="):
			for _, part := range strings.Split(entry, ",") {
				if v, ok := strings.CutPrefix(part, "v1="); ok {
					for _, d := range decodeSignature(v) {
						out = append(out, signatureEntry{version: "v1", sig: d.b, kind: KindSignatureFormat,
							what: "the header has Stripe's form t=…,v1=… (" + orDefault(d.what, "base64") + ")",
							why:  "That is Stripe's signature scheme, not Standard Webhooks: the header must be v1,<base64>, over the signed content <webhook-id>.<webhook-timestamp>.<body>."})
					}
				}
			}
		case strings.HasPrefix(entry, "v1=") || strings.HasPrefix(entry, "sha256="):
			name, v, _ := strings.Cut(entry, "=")
			for _, d := range decodeSignature(v) {
				out = append(out, signatureEntry{version: "v1", sig: d.b, kind: KindSignatureFormat,
					what: fmt.Sprintf("the entry is %s=… instead of v1,… (%s)", name, orDefault(d.what, "base64")),
					why:  `The signature entry has the wrong form: Standard Webhooks writes "v1,<base64>", a version, a comma and standard base64.`})
			}
		default:
			for _, d := range decodeSignature(entry) {
				version := ""
				switch len(d.b) {
				case sha256.Size:
					version = "v1"
				case ed25519.SignatureSize:
					version = "v1a"
				default:
					continue
				}
				out = append(out, signatureEntry{version: version, sig: d.b, kind: KindSignatureFormat,
					what: `the entry has no "` + version + `," version prefix (` + orDefault(d.what, "base64") + ")",
					why:  `The sender sent the bare signature. Standard Webhooks writes each entry as "v1,<base64>"; entries without a version are skipped.`})
			}
		}
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// maxCost bounds the search to two mistakes at once (say, a re-serialised body under a
// secret used as text): three independent mistakes in one delivery are not a diagnosis
// anyone can act on, and the bound keeps the search to about a thousand HMACs.
const maxCost = 2

// found is the alternative that makes a signature match: its parts, in the order key,
// id, timestamp, body, signature entry.
type found struct {
	parts []variant[struct{}]
}

// search looks for the alternative that makes the signature match. It returns nil when
// nothing does; tried says how many combinations were computed.
func search(keys []variant[keyset.Key], body []byte, h core.Headers) (match *found, tried int) {
	entries := parseSignatureEntries(h.Signature)
	ids := idVariants(h.ID)
	stamps := timestampVariants(h.Timestamp)
	bodies := bodyVariants(body)

	type combo struct{ k, i, t, b, cost int }
	var combos []combo
	cost := func(kind Kind) int {
		if kind == KindNone {
			return 0
		}
		return 1
	}
	for k := range keys {
		for i := range ids {
			for t := range stamps {
				for b := range bodies {
					c := combo{k, i, t, b, cost(keys[k].kind) + cost(ids[i].kind) + cost(stamps[t].kind) + cost(bodies[b].kind)}
					if c.cost <= maxCost {
						combos = append(combos, c)
					}
				}
			}
		}
	}
	sort.SliceStable(combos, func(a, b int) bool { return combos[a].cost < combos[b].cost })
	var msg, mac []byte
	for _, c := range combos {
		key, id, ts, bd := keys[c.k], ids[c.i], stamps[c.t], bodies[c.b]
		tried++
		msg = core.AppendSignedContent(msg[:0], core.Headers{ID: id.value, Timestamp: ts.value}, bd.value)
		mac = mac[:0]
		if key.value.HMAC != nil {
			m := hmac.New(sha256.New, key.value.HMAC)
			m.Write(msg)
			mac = m.Sum(mac)
		}
		for _, e := range entries {
			if !entryMatches(key.value, mac, msg, e) {
				continue
			}
			match = &found{}
			for _, p := range []variant[struct{}]{
				{kind: key.kind, what: key.what, why: key.why},
				{kind: id.kind, what: id.what, why: id.why},
				{kind: ts.kind, what: ts.what, why: ts.why},
				{kind: bd.kind, what: bd.what, why: bd.why},
				{kind: e.kind, what: e.what, why: e.why},
			} {
				if p.what != "" {
					match.parts = append(match.parts, p)
				}
			}
			return match, tried
		}
	}
	return nil, tried
}

// entryMatches reports whether the signature entry e is key's signature of msg; mac is
// the HMAC of msg under key.HMAC, computed once by the caller.
func entryMatches(key keyset.Key, mac, msg []byte, e signatureEntry) bool {
	switch {
	case e.version == "v1" && key.HMAC != nil:
		return hmac.Equal(e.sig, mac)
	case e.version == "v1a" && key.Public != nil && len(e.sig) == ed25519.SignatureSize:
		return ed25519.Verify(key.Public, msg, e.sig)
	}
	return false
}

// identityMatches checks the signature with keys as given, whatever the timestamp text:
// for a delivery whose timestamp core refuses to read.
func identityMatches(keys []keyset.Key, body []byte, h core.Headers) bool {
	msg := core.AppendSignedContent(nil, h, body)
	for _, k := range keys {
		var mac []byte
		if k.HMAC != nil {
			m := hmac.New(sha256.New, k.HMAC)
			m.Write(msg)
			mac = m.Sum(nil)
		}
		for _, e := range parseSignatureEntries(h.Signature) {
			if e.what == "" && entryMatches(k, mac, msg, e) {
				return true
			}
		}
	}
	return false
}
