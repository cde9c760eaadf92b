package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
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
