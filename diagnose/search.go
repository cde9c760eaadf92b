package diagnose

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"sort"
	"strings"

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

// maxCost bounds the search to two mistakes at once (say, a re-serialised body under a
// secret used as text): three independent mistakes in one delivery are not a diagnosis
// anyone can act on, and the bound keeps the search to about a thousand HMACs of an
// OpenAI-sized body. The budget bounds it for larger ones.
const maxCost = 2

// found is the alternative that makes a signature match: its parts, in the order key,
// id, timestamp, body, signature entry.
type found struct {
	parts []variant[struct{}]
}

// search looks for the alternative that makes the signature match, within b. It returns
// nil when nothing does; tried says how many combinations were computed. checked says
// core has already refused the delivery as given (the keys as given, the headers as core
// reads them, the well-formed entries): that combination is not computed again.
func search(keys []variant[keyset.Key], body []byte, h core.Headers, checked bool, b *budget) (match *found, tried int) {
	entries := parseSignatureEntries(firstEntries(h.Signature, b))
	ids := idVariants(h.ID)
	stamps := timestampVariants(h.Timestamp)
	bodies := bodyVariants(body, b)

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
	var candidates []signatureEntry
	for _, c := range combos {
		key, id, ts, bd := keys[c.k], ids[c.i], stamps[c.t], bodies[c.b]
		// The entries this key can match; as given, those core has not already refused.
		candidates = candidates[:0]
		for _, e := range entries {
			if canMatch(key.value, e) && !(checked && c.cost == 0 && e.kind == KindNone) {
				candidates = append(candidates, e)
			}
		}
		if len(candidates) == 0 {
			continue
		}
		size := len(id.value) + len(ts.value) + 2 + len(bd.value)
		work := hmacCost(size)
		if key.value.Public != nil {
			work = len(candidates) * ed25519Cost(size)
		}
		if !b.spend(work) {
			break // the combinations left cost at least as much: the search is cut short
		}
		tried++
		msg = core.AppendSignedContent(msg[:0], core.Headers{ID: id.value, Timestamp: ts.value}, bd.value)
		mac = mac[:0]
		if key.value.HMAC != nil {
			m := hmac.New(sha256.New, key.value.HMAC)
			m.Write(msg)
			mac = m.Sum(mac)
		}
		for _, e := range candidates {
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
			if len(match.parts) == 0 {
				// What core accepts; only a caller that did not ask core first gets here.
				continue
			}
			return match, tried
		}
	}
	return nil, tried
}

// firstEntries is the header cut to its first maxSearchEntries entries; b is marked cut
// short when there were more.
func firstEntries(header string, b *budget) string {
	fields := strings.Fields(header)
	if len(fields) > maxSearchEntries {
		b.cut = true
		fields = fields[:maxSearchEntries]
	}
	return strings.Join(fields, " ")
}

// canMatch reports whether key can have made e: an HMAC key a v1 entry, a public key a
// v1a entry of the right size.
func canMatch(key keyset.Key, e signatureEntry) bool {
	return e.version == "v1" && key.HMAC != nil ||
		e.version == "v1a" && key.Public != nil && len(e.sig) == ed25519.SignatureSize
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

// identityMatches checks the signature with keys as given, headers as core reads them,
// whatever the timestamp text: for a delivery whose timestamp core refuses to read. done
// is false when b could not pay for the check.
func identityMatches(keys []keyset.Key, body []byte, h core.Headers, b *budget) (matched, done bool) {
	h = h.Trim()
	entries := parseSignatureEntries(h.Signature)
	var work int
	for _, k := range keys {
		for _, e := range entries {
			switch {
			case e.kind != KindNone || !canMatch(k, e):
			case k.Public != nil:
				work += ed25519Cost(len(h.ID) + len(h.Timestamp) + 2 + len(body))
			default:
				work += 100 // a comparison; the HMAC is counted once below
			}
		}
		if k.HMAC != nil {
			work += hmacCost(len(h.ID) + len(h.Timestamp) + 2 + len(body))
		}
	}
	if !b.spend(work) {
		return false, false
	}
	msg := core.AppendSignedContent(nil, h, body)
	for _, k := range keys {
		var mac []byte
		if k.HMAC != nil {
			m := hmac.New(sha256.New, k.HMAC)
			m.Write(msg)
			mac = m.Sum(nil)
		}
		for _, e := range entries {
			if e.kind == KindNone && entryMatches(k, mac, msg, e) {
				return true, true
			}
		}
	}
	return false, true
}
