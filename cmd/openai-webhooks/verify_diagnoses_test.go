package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

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
