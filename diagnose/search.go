package diagnose

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"sort"

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
