package diagnose_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/diagnose"
)

// The largest inputs the adapters' WithDiagnosis hands to the diagnosis: a body of
// 64 KiB (internal/receive's MaxDiagnosedBody) and a signature header of
// core.MaxSignatureHeaderEntries entries that passes core's checks.
const worstBodyBytes = 64 << 10

// worstBody is a JSON body of exactly worstBodyBytes that makes every alternative the
// search knows distinct: CRLF line endings and a final one, keys out of order,
// non-ASCII and HTML characters, so that each JSON style and each newline or line-ending
// change gives other bytes to hash.
func worstBody() []byte {
	var b bytes.Buffer
	b.WriteString("{\"type\": \"response.completed\", \"id\": \"evt_1\", \"data\": [\r\n")
	for i := 0; b.Len() < worstBodyBytes-200; i++ {
		fmt.Fprintf(&b, "{\"z\": \"é <b> & 😀 %d\", \"a\": [%d, 2.50, null, true]},\r\n", i, i)
	}
	b.WriteString("{}]")
	for b.Len() < worstBodyBytes-3 {
		b.WriteByte(' ')
	}
	b.WriteString("}\r\n")
	return b.Bytes()[:worstBodyBytes]
}

// worstHeaders are headers whose every part has alternatives: white space around the id,
// a timestamp with leading zeros, and core.MaxSignatureHeaderEntries entries of version
// (v1 or v1a) that decode but match nothing.
func worstHeaders(version string, size int) core.Headers {
	entries := make([]string, core.MaxSignatureHeaderEntries)
	for i := range entries {
		sig := bytes.Repeat([]byte{byte(i + 1)}, size)
		entries[i] = version + "," + base64.StdEncoding.EncodeToString(sig)
	}
	return core.Headers{ID: " wh_worst ", Timestamp: "0001750861210", Signature: strings.Join(entries, " ")}
}

// worstCases are the two worst cases: a whsec_ secret (HMACs) and a whpk_ key (ed25519
// checks, each over the whole signed content).
func worstCases() []struct {
	name string
	v    *core.Verifier
	d    diagnose.Delivery
} {
	clock := core.WithClock(func() time.Time { return sentAt })
	hmacV, err := core.NewVerifier(realSecret, clock)
	if err != nil {
		panic(err)
	}
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	edV, err := core.NewVerifier("whpk_"+base64.StdEncoding.EncodeToString(pub), clock)
	if err != nil {
		panic(err)
	}
	body := worstBody()
	return []struct {
		name string
		v    *core.Verifier
		d    diagnose.Delivery
	}{
		{"whsec", hmacV, diagnose.Delivery{Body: body, Headers: worstHeaders("v1", 32)}},
		{"whpk", edV, diagnose.Delivery{Body: body, Headers: worstHeaders("v1a", ed25519.SignatureSize)}},
	}
}
