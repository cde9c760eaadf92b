package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testkit"
)

// A real OpenAI delivery (testdata/vectors.json), and the mistakes made with such
// deliveries, each reproduced independently of the code under test.
const (
	realSecret    = "whsec_RdvaYFYUXuIFuEbvZHwMfYFhUf7aMYjYcmM24+Aj40c="
	realID        = "wh_685c059ae39c8190af8c71ed1022a24d"
	realTimestamp = "1750861210"
	realBody      = `{"id": "evt_685c059ae3a481909bdc86819b066fb6", "object": "event", "created_at": 1750861210, "type": "response.completed", "data": {"id": "resp_123"}}`
	realSignature = "v1,gUAg4R2hWouRZqRQG4uJypNS8YK885G838+EHb4nKBY="
	nowSoon       = "1750861215" // 5 s after the delivery
)

// sigWith signs like a sender that keys HMAC-SHA256 with key.
func sigWith(key []byte, id, ts string, body []byte) string {
	return testkit.SignV1(key, id, ts, body)
}

func rawMAC(key []byte, id, ts string, body []byte) []byte {
	return testkit.MAC(key, id, ts, body)
}

func keyOf(t *testing.T, secret string) []byte {
	t.Helper()
	k, err := testkit.DecodeBase64(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// nodeKey is what Node's Buffer.from(secret, "base64") makes of a secret with its
// whsec_ prefix: "_" counts as a base64url digit, "=" ends the input.
func nodeKey(secret string) []byte {
	s := strings.ReplaceAll(strings.TrimRight(secret, "="), "_", "/")
	if len(s)%4 == 1 {
		s = s[:len(s)-1]
	}
	k, err := testkit.DecodeBase64Raw(s)
	if err != nil {
		panic(err)
	}
	return k
}

// verifyFlags runs verify on body with the headers as flags, at now.
func verifyFlags(t *testing.T, secret string, body []byte, id, ts, sig, now string) result {
	t.Helper()
	args := []string{"verify", "--secret", secret, "--file", writeFile(t, "body", body), "--now", now}
	if id != "" {
		args = append(args, "--id", id)
	}
	if ts != "" {
		args = append(args, "--timestamp", ts)
	}
	if sig != "" {
		args = append(args, "--signature", sig)
	}
	return runCLI(t, "", nil, args...)
}

// rawRequest builds a saved HTTP request with line endings eol.
func rawRequest(eol string, headers [][2]string, body []byte) []byte {
	var b bytes.Buffer
	b.WriteString("POST /webhooks/openai HTTP/1.1" + eol + "Host: example.com" + eol + "Content-Type: application/json" + eol)
	fmt.Fprintf(&b, "Content-Length: %d%s", len(body), eol)
	for _, h := range headers {
		b.WriteString(h[0] + ": " + h[1] + eol)
	}
	b.WriteString(eol)
	b.Write(body)
	return b.Bytes()
}

func realHeaders() [][2]string {
	return [][2]string{{"webhook-id", realID}, {"webhook-timestamp", realTimestamp}, {"webhook-signature", realSignature}}
}

func TestVerifyRealDelivery(t *testing.T) {
	r := verifyFlags(t, realSecret, []byte(realBody), realID, realTimestamp, realSignature, realTimestamp)
	wantCode(t, r, 0)
	wantContains(t, "verify", r.stdout, "verify: OK", "response.completed evt_685c059ae3a481909bdc86819b066fb6", "webhook-id "+realID,
		"signature  ok", "event      ok")

	// The secret from the environment; the bare base64 without whsec_ is the same key.
	r = runCLI(t, "", []string{core.EnvSecret + "=" + strings.TrimPrefix(realSecret, "whsec_")}, "verify",
		"--file", writeFile(t, "body", []byte(realBody)), "--id", realID, "--timestamp", realTimestamp, "--signature", realSignature, "--now", nowSoon)
	wantCode(t, r, 0)
}

func TestVerifyRequestFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  []byte
		note string
	}{
		{"CRLF", rawRequest("\r\n", realHeaders(), []byte(realBody)), ""},
		{"bare LF", rawRequest("\n", realHeaders(), []byte(realBody)), ""},
		{"newline added when saved", append(rawRequest("\n", realHeaders(), []byte(realBody)), '\n'), "after the"},
		{"no request line", []byte(strings.SplitN(string(rawRequest("\r\n", realHeaders(), []byte(realBody))), "\r\n", 2)[1]), "no request line"},
		{"headers in capitals", bytes.ReplaceAll(rawRequest("\r\n", realHeaders(), []byte(realBody)), []byte("webhook-"), []byte("Webhook-")), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", nil, "verify", "--secret", realSecret, "--request", writeFile(t, "req.http", tc.raw), "--now", nowSoon)
			wantCode(t, r, 0)
			wantContains(t, "verify", r.stdout, "verify: OK", "response.completed", tc.note)
		})
	}
	t.Run("from stdin, header flag overrides", func(t *testing.T) {
		raw := rawRequest("\r\n", [][2]string{{"webhook-id", realID}, {"webhook-timestamp", realTimestamp}, {"webhook-signature", "v1,AAAA"}}, []byte(realBody))
		r := runCLI(t, string(raw), nil, "verify", "--secret", realSecret, "--request", "-", "--signature", realSignature, "--now", nowSoon)
		wantCode(t, r, 0)
	})
	t.Run("not a request", func(t *testing.T) {
		r := runCLI(t, "", nil, "verify", "--secret", realSecret, "--request", writeFile(t, "req.http", []byte("{}\n")))
		wantCode(t, r, 1)
		wantContains(t, "stderr", r.stderr, "neither a request line")
	})
}

// TestVerifyDiagnoses reproduces each mistake and checks that verify names it.
func TestVerifyDiagnoses(t *testing.T) {
	secret := realSecret
	key := keyOf(t, secret)
	body := []byte(realBody)
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		t.Fatal(err)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, compact.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	sortedPython := []byte(`{"created_at": 1750861210, "data": {"id": "resp_123"}, "id": "evt_685c059ae3a481909bdc86819b066fb6", "object": "event", "type": "response.completed"}`)
	crlfIndented := bytes.ReplaceAll(indented.Bytes(), []byte("\n"), []byte("\r\n"))

	// A SIP event as Python's json.dumps writes it (non-ASCII escaped), and as Go's
	// json.Marshal of a struct writes it back (UTF-8 kept, <, > and & escaped).
	sipPython := []byte(`{"id": "evt_1", "object": "event", "created_at": 1750861210, "type": "realtime.call.incoming", "data": {"call_id": "call_1", "sip_headers": [{"name": "From", "value": "\"Zo\u00eb\" <sip:+14155550123@sip.example.com>"}]}}`)
	type sipHeader struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	type sipEvent struct {
		ID        string `json:"id"`
		Object    string `json:"object"`
		CreatedAt int64  `json:"created_at"`
		Type      string `json:"type"`
		Data      struct {
			CallID     string      `json:"call_id"`
			SIPHeaders []sipHeader `json:"sip_headers"`
		} `json:"data"`
	}
	var decoded sipEvent
	if err := json.Unmarshal(sipPython, &decoded); err != nil {
		t.Fatal(err)
	}
	sipGo, err := json.Marshal(decoded)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(sipGo, []byte(`Zoë`)) || !bytes.Contains(sipGo, []byte(`\u003csip`)) {
		t.Fatalf("json.Marshal wrote %s", sipGo)
	}

	bare := strings.TrimPrefix(secret, "whsec_")
	otherSecret := newSecret(t)
	mac := rawMAC(key, realID, realTimestamp, body)

	cases := []struct {
		name    string
		secret  string // given to verify
		file    []byte // the body verify is given
		ts      string // webhook-timestamp given; default realTimestamp
		sig     string // webhook-signature given
		now     string // default nowSoon
		code    int
		want    []string
		notWant []string
	}{
		{
			name: "secret text used as the HMAC key", secret: secret, file: body,
			sig:  sigWith([]byte(secret), realID, realTimestamp, body),
			want: []string{"signature  FAIL", "HMAC is keyed with the secret text itself", "instead of base64-decoding it", `base64decode(secret without "whsec_")`},
		},
		{
			name: "text after whsec_ used as the HMAC key", secret: secret, file: body,
			sig:  sigWith([]byte(bare), realID, realTimestamp, body),
			want: []string{"HMAC is keyed with the text after whsec_", "not the bytes it encodes"},
		},
		{
			name: "secret base64-decoded with its whsec_ prefix", secret: secret, file: body,
			sig:  sigWith(nodeKey(secret), realID, realTimestamp, body),
			want: []string{"base64-decoded from the whole secret, whsec_ prefix included", `Strip the "whsec_" prefix`},
		},
		{
			name: "secret given without whsec_, sender keyed with the whsec_ text", secret: bare, file: body,
			sig:  sigWith([]byte(secret), realID, realTimestamp, body),
			want: []string{"secret ok", "HMAC is keyed with the secret text itself", "prefix included"},
		},
		{
			name: "secret given with quotes", secret: `"` + secret + `"`, file: body, sig: realSignature,
			want: []string{"secret     FAIL", "invalid webhook secret", "without its surrounding quotes", "Remove them"},
		},
		{
			name: "body re-serialised compact by the receiver", secret: secret, file: compact.Bytes(), sig: realSignature,
			want: []string{`serialised on one line with ", " and ": " separators, key order kept`, "re-serialisation of the JSON that was signed", "JSON.stringify(req.body)"},
		},
		{
			name: "body pretty-printed after signing", secret: secret, file: indented.Bytes(), sig: realSignature,
			want: []string{`serialised on one line with ", " and ": " separators`, "re-serialisation"},
		},
		{
			name: "sender signed indented JSON and sent it compact", secret: secret, file: compact.Bytes(),
			sig:  sigWith(key, realID, realTimestamp, indented.Bytes()),
			want: []string{"serialised indented with 2 spaces", "signed one serialisation and sent another"},
		},
		{
			name: "sender signed JSON with sorted keys", secret: secret, file: body,
			sig:  sigWith(key, realID, realTimestamp, sortedPython),
			want: []string{"keys sorted"},
		},
		{
			name: "re-marshalled by Go: UTF-8 kept, HTML escaped", secret: secret, file: sipGo,
			sig:  sigWith(key, realID, realTimestamp, sipPython),
			want: []string{`non-ASCII escaped as \uXXXX`, "key order kept", "json.Marshal of a decoded value"},
		},
		{
			name: "trailing newline added", secret: secret, file: append([]byte(realBody), '\n'), sig: realSignature,
			want: []string{`without its final newline ("\n")`, "added to the end of the body after it was signed"},
		},
		{
			name: "trailing CRLF added", secret: secret, file: append([]byte(realBody), '\r', '\n'), sig: realSignature,
			want: []string{`without its final CRLF ("\r\n")`},
		},
		{
			name: "trailing newline lost", secret: secret, file: body,
			sig:  sigWith(key, realID, realTimestamp, append([]byte(realBody), '\n')),
			want: []string{`gets back a final newline ("\n")`, "lost its final newline"},
		},
		{
			name: "LF converted to CRLF", secret: secret, file: crlfIndented,
			sig:  sigWith(key, realID, realTimestamp, indented.Bytes()),
			want: []string{"CRLF line endings are turned back into LF", "from LF to CRLF after signing"},
		},
		{
			name: "CRLF converted to LF", secret: secret, file: indented.Bytes(),
			sig:  sigWith(key, realID, realTimestamp, crlfIndented),
			want: []string{"LF line endings are turned back into CRLF", "from CRLF to LF after signing"},
		},
		{
			name: "stale: clock ahead or replay", secret: secret, file: body, sig: realSignature, now: "1750861910",
			want: []string{"timestamp  FAIL", "700 s ago", "signature  ok", "The signature is valid, but the delivery was sent 700 seconds ago", "--now 1750861210", "NTP"},
		},
		{
			name: "a recording days old", secret: secret, file: body, sig: realSignature, now: "1751120410",
			want: []string{"timestamp FAIL", "signature ok", "sent 3 days ago (259200 seconds)", "recorded or replayed delivery", "--now 1750861210"},
		},
		{
			name: "from the future: clock behind", secret: secret, file: body, sig: realSignature, now: "1750860810",
			want: []string{"timestamp  FAIL", "400 s in the future", "signature  ok", "dated 400 seconds in the future", "about 400 seconds behind", "NTP", "--now 1750861210"},
		},
		{
			name: "signed with another secret", secret: otherSecret, file: body, sig: realSignature,
			want: []string{"signature  FAIL", "Nothing matches", "variants were tried", "made with another secret", "rotation"},
		},
		{
			name: "header missing from the flags", secret: secret, file: body, ts: "-", sig: realSignature,
			want: []string{"headers    FAIL  missing: webhook-timestamp", "webhook-timestamp is missing", "--timestamp"},
		},
		{
			name: "timestamp re-formatted as milliseconds", secret: secret, file: body, ts: realTimestamp + "000", sig: realSignature,
			want: []string{"timestamp  FAIL", "looks like milliseconds", `the timestamp is signed as "1750861210" (the header carries "1750861210000")`, "re-formatted between signing and sending"},
		},
		{
			name: "timestamp re-formatted as a float", secret: secret, file: body, ts: realTimestamp + ".0", sig: realSignature,
			want: []string{"timestamp  FAIL", "not decimal Unix seconds", "decimal fraction", `signed as "1750861210"`},
		},
		{
			name: "timestamp re-formatted as a date", secret: secret, file: body, ts: "2025-06-25T14:20:10Z", sig: realSignature,
			want: []string{"timestamp  FAIL", "it is a date", `signed as "1750861210"`},
		},
		{
			name: "signature hex instead of base64", secret: secret, file: body, sig: "v1," + hex.EncodeToString(mac),
			want: []string{"hex instead of base64", "hexdigest()"},
		},
		{
			name: "signature without v1 prefix", secret: secret, file: body, sig: testkit.Base64(mac),
			want: []string{"invalid webhook signature header", `no "v1," version prefix`},
		},
		{
			name: "signature URL-safe base64", secret: secret, file: body, sig: "v1," + testkit.Base64URL(mac),
			want: []string{"URL-safe base64"}, // this MAC's base64 has a "+", so its URL-safe form differs
		},
		{
			name: "empty body: a middleware read it first", secret: secret, file: []byte{}, sig: realSignature,
			want: []string{"signature  FAIL", "The body is empty (0 bytes): did a middleware before this one read it?"},
		},
		{
			name: "signed body is not an event", secret: secret, file: []byte(`{"hello": "world"}`),
			sig:  sigWith(key, realID, realTimestamp, []byte(`{"hello": "world"}`)),
			want: []string{"signature  ok", "event      FAIL", "not a JSON event object"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts, now := realTimestamp, nowSoon
			if tc.ts != "" {
				ts = tc.ts
			}
			if ts == "-" {
				ts = ""
			}
			if tc.now != "" {
				now = tc.now
			}
			r := verifyFlags(t, tc.secret, tc.file, realID, ts, tc.sig, now)
			wantCode(t, r, 1)
			wantText(t, r.stdout, append([]string{"verify: FAILED"}, tc.want...)...)
		})
	}

	t.Run("stale delivery checked at its own time", func(t *testing.T) {
		r := verifyFlags(t, secret, body, realID, realTimestamp, realSignature, realTimestamp)
		wantCode(t, r, 0)
	})
}

func TestVerifyMissingHeaderInRequest(t *testing.T) {
	headers := [][2]string{{"webhook-id", realID}, {"webhook-timestamp", realTimestamp}, {"X-Webhook-Signature", realSignature}}
	r := runCLI(t, "", nil, "verify", "--secret", realSecret, "--request", writeFile(t, "req.http", rawRequest("\r\n", headers, []byte(realBody))), "--now", nowSoon)
	wantCode(t, r, 1)
	wantText(t, r.stdout, "headers FAIL missing: webhook-signature", "webhook-signature is missing",
		"similar headers: X-Webhook-Signature", "--signature", "signature  skip")

	headers = [][2]string{{"svix-id", realID}, {"svix-timestamp", realTimestamp}, {"svix-signature", realSignature}}
	r = runCLI(t, "", nil, "verify", "--secret", realSecret, "--request", writeFile(t, "req.http", rawRequest("\r\n", headers, []byte(realBody))), "--now", nowSoon)
	wantCode(t, r, 1)
	wantText(t, r.stdout, "missing: webhook-id, webhook-timestamp, webhook-signature", "Svix-Id, Svix-Signature, Svix-Timestamp", "Svix sends the same scheme")
}

func TestVerifyEd25519(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := core.NewSigner("whsk_" + testkit.Base64(priv))
	if err != nil {
		t.Fatal(err)
	}
	sig := signer.Sign(realID, mustUnix(t, realTimestamp), []byte(realBody))
	r := verifyFlags(t, "whpk_"+testkit.Base64(pub), []byte(realBody), realID, realTimestamp, sig, nowSoon)
	wantCode(t, r, 0)
	wantContains(t, "verify", r.stdout, "ed25519 public key", "a v1a signature matches")

	r = verifyFlags(t, realSecret, []byte(realBody), realID, realTimestamp, sig, nowSoon)
	wantCode(t, r, 1)
	wantText(t, r.stdout, "only v1a (ed25519) signatures", "whpk_ public key")

	// A trailing newline is diagnosed for v1a too.
	r = verifyFlags(t, "whpk_"+testkit.Base64(pub), append([]byte(realBody), '\n'), realID, realTimestamp, sig, nowSoon)
	wantCode(t, r, 1)
	wantContains(t, "verify", r.stdout, "without its final newline")
}

func mustUnix(t *testing.T, s string) time.Time {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.Unix(n, 0)
}

// wantText checks that out holds each of wants, comparing with white space collapsed:
// verify wraps its explanations and aligns its columns.
func wantText(t *testing.T, out string, wants ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(out), " ")
	for _, w := range wants {
		if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("output does not contain %q:\n%s", w, out)
		}
	}
}

// The verify report wraps at the terminal's width ($COLUMNS, else 80), and a quoted
// secret is called quoted.
func TestVerifyReportWidth(t *testing.T) {
	quoted := `"` + realSecret + `"`
	args := []string{"verify", "--secret", quoted, "--file", writeFile(t, "body", []byte(realBody)),
		"--id", realID, "--timestamp", realTimestamp, "--signature", realSignature, "--now", nowSoon}
	for _, tc := range []struct {
		env   []string
		width int
	}{
		{nil, 80},
		{[]string{"COLUMNS=60"}, 60},
		{[]string{"COLUMNS=132"}, 132},
		{[]string{"COLUMNS=junk"}, 80},
	} {
		env := append([]string{"COLUMNS="}, tc.env...)
		r := runCLI(t, "", env, args...)
		wantCode(t, r, 1)
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		for _, line := range lines {
			if n := utf8.RuneCountInString(line); n > tc.width && strings.Contains(strings.TrimSpace(line), " ") {
				t.Errorf("COLUMNS %v: a line of %d columns, over %d: %q", tc.env, n, tc.width, line)
			}
		}
		// The secret row: its first line and the indented lines that continue it.
		secretRow := ""
		for i, line := range lines {
			if secretRow != "" || !strings.HasPrefix(line, "  secret     ") {
				continue
			}
			secretRow = line
			for _, next := range lines[i+1:] {
				if !strings.HasPrefix(next, strings.Repeat(" ", 19)) {
					break
				}
				secretRow += "\n" + next
			}
		}
		flat := strings.Join(strings.Fields(secretRow), " ")
		if !strings.Contains(flat, "secret FAIL") || !strings.Contains(flat, "the secret is quoted") || strings.Contains(flat, "bare base64") {
			t.Errorf("COLUMNS %v: the secret row does not say the secret is quoted (or calls it bare base64):\n%s", tc.env, secretRow)
		}
		if strings.Contains(r.stdout, "bare base64") {
			t.Errorf("the report calls a quoted whsec_ secret bare base64:\n%s", r.stdout)
		}
	}
}
