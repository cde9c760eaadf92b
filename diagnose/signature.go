package diagnose

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// The webhook-signature header, read as the encodings and forms senders use by mistake.

// signatureEntry is one decoded entry of the webhook-signature header.
type signatureEntry struct {
	version string // "v1" (HMAC) or "v1a" (ed25519)
	sig     []byte
	kind    Kind
	what    string // empty for a well-formed "v1,<base64>" entry, else how it is malformed
	why     string
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
