package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

func TestDemoPassesAndShowsEveryType(t *testing.T) {
	start := time.Now()
	r := runCLI(t, "", nil, "demo")
	wantCode(t, r, 0)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("demo took %s; it must finish in a few seconds", d)
	}
	for _, typ := range core.KnownEventTypes() {
		wantContains(t, "demo output", r.stdout, string(typ))
	}
	wantContains(t, "demo output", r.stdout,
		"forged: signed with another secret", "tampered: body changed after signing",
		"stale: timestamp 10 minutes old", "oversized: 1 MiB + 1 byte body", "duplicate of #",
		`"duplicate":true`, "no matching webhook signature", "webhook timestamp too old",
		"webhook body too large", "PASS")
	if strings.Contains(r.stdout, "WRONG") {
		t.Errorf("a demo row is WRONG:\n%s", r.stdout)
	}
	rows := 0
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "  ok  ") {
			rows++
		}
	}
	if want := len(core.KnownEventTypes()) + 7; rows != want {
		t.Errorf("%d rows answered ok, want %d:\n%s", rows, want, r.stdout)
	}
}

func TestUsage(t *testing.T) {
	t.Run("no command", func(t *testing.T) {
		r := runCLI(t, "", nil)
		wantCode(t, r, 2)
		wantContains(t, "stderr", r.stderr, "Commands:", "demo", "verify", "Exit status:")
	})
	t.Run("help", func(t *testing.T) {
		for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
			r := runCLI(t, "", nil, args...)
			wantCode(t, r, 0)
			for _, cmd := range commands() {
				wantContains(t, "help", r.stdout, "  "+cmd.name+" ")
			}
			wantContains(t, "help", r.stdout, "0  success", "1  failure", "2  usage error", "OPENAI_WEBHOOK_SECRET")
			if n := strings.Count(r.stdout, "Exit status:"); n != 1 {
				t.Errorf("the help shows the exit status %d times, want once:\n%s", n, r.stdout)
			}
		}
	})
	t.Run("unknown command", func(t *testing.T) {
		r := runCLI(t, "", nil, "lisen")
		wantCode(t, r, 2)
		wantContains(t, "stderr", r.stderr, `unknown command "lisen"`)
	})
	t.Run("flag before command", func(t *testing.T) {
		r := runCLI(t, "", nil, "--secret", "x", "send")
		wantCode(t, r, 2)
	})
	for _, cmd := range commands() {
		t.Run(cmd.name+" -h", func(t *testing.T) {
			r := runCLI(t, "", nil, cmd.name, "-h")
			wantCode(t, r, 0)
			wantContains(t, cmd.name+" -h", r.stdout, "Usage:\n  openai-webhooks "+cmd.name)
			// The exit status is explained once, in the main help, not under every command.
			if strings.Contains(r.stdout, "Exit status:") {
				t.Errorf("%s -h repeats the exit status block:\n%s", cmd.name, r.stdout)
			}
			for _, line := range strings.Split(r.stdout, "\n") {
				if strings.TrimRight(line, " ") != line {
					t.Errorf("%s -h: trailing space in %q", cmd.name, line)
				}
			}
			r = runCLI(t, "", nil, "help", cmd.name)
			wantCode(t, r, 0)
			wantContains(t, "help "+cmd.name, r.stdout, "Usage:\n  openai-webhooks "+cmd.name)
		})
		t.Run(cmd.name+" unknown flag", func(t *testing.T) {
			r := runCLI(t, "", nil, cmd.name, "--no-such-flag")
			wantCode(t, r, 2)
			wantContains(t, "stderr", r.stderr, "unknown flag --no-such-flag\n", "openai-webhooks "+cmd.name+" -h")
		})
	}
	usageErrors := []struct {
		name string
		args []string
		want string
	}{
		{"send without secret", []string{"send"}, "no secret"},
		{"send data and file", []string{"send", "--secret", "whsec_x", "--data", "{}", "--file", "x"}, "not both"},
		{"send type and data", []string{"send", "--secret", "whsec_x", "--type", "batch.failed", "--data", "{}"}, "--type"},
		{"sign without secret", []string{"sign"}, "no secret"},
		{"verify with nothing", []string{"verify", "--secret", "whsec_x"}, "nothing to verify"},
		{"verify file and request", []string{"verify", "--secret", "whsec_x", "--file", "a", "--request", "b"}, "not both"},
		{"verify file without headers", []string{"verify", "--secret", "whsec_x", "--file", "a"}, "--id, --timestamp and --signature"},
		{"verify without secret", []string{"verify", "--file", "a", "--id", "x"}, "no secret"},
		{"listen bad path", []string{"listen", "--path", "hooks"}, "must start with /"},
		{"positional argument", []string{"secret", "extra"}, "unexpected argument"},
		// Flags are named as typed: the flag package itself writes "-name" for "--name".
		{"bad flag value", []string{"send", "--timestamp", "soon"}, `invalid value "soon" for flag --timestamp:`},
		{"bad flag value, one dash", []string{"send", "-timestamp=soon"}, `invalid value "soon" for flag -timestamp:`},
		{"bad boolean", []string{"events", "--json=maybe"}, `invalid boolean value "maybe" for --json:`},
		{"flag without its value", []string{"verify", "--file", "x", "--secret"}, "flag --secret needs a value"},
		{"unknown flag, one dash", []string{"verify", "-bogus"}, "unknown flag -bogus\n"},
		{"unknown flag with a value", []string{"verify", "--bogus=1"}, "unknown flag --bogus\n"},
	}
	for _, tc := range usageErrors {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", nil, tc.args...)
			wantCode(t, r, 2)
			wantContains(t, "stderr", r.stderr, tc.want)
		})
	}
}

func TestSecret(t *testing.T) {
	r := runCLI(t, "", nil, "secret")
	wantCode(t, r, 0)
	secret := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q has no whsec_ prefix", secret)
	}
	if _, err := core.NewVerifier(secret); err != nil {
		t.Fatalf("the printed secret is not usable: %v", err)
	}
}

func TestEvents(t *testing.T) {
	r := runCLI(t, "", nil, "events")
	wantCode(t, r, 0)
	for _, typ := range core.KnownEventTypes() {
		wantContains(t, "events", r.stdout, string(typ))
	}
	wantContains(t, "events", r.stdout, "call_id sip_headers sip_media_security?", "id environment_type connect? environment_id?")

	r = runCLI(t, "", nil, "events", "--json")
	wantCode(t, r, 0)
	var list []eventJSON
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("events --json is not a JSON array: %v\n%s", err, r.stdout)
	}
	if len(list) != len(core.KnownEventTypes()) {
		t.Fatalf("%d types, want %d", len(list), len(core.KnownEventTypes()))
	}
	for _, e := range list {
		if e.Type == string(core.RealtimeCallIncoming) {
			if strings.Join(e.Fields, " ") != "call_id sip_headers" || strings.Join(e.Optional, " ") != "sip_media_security" {
				t.Errorf("realtime.call.incoming fields %v optional %v", e.Fields, e.Optional)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, e.SampleData); err != nil || !strings.Contains(compact.String(), `"call_id":"call_`) || !strings.Contains(compact.String(), `"<sip:`) {
				t.Errorf("realtime.call.incoming sample %s", e.SampleData)
			}
		}
	}
}

// signHeaders runs sign and returns the headers it printed.
func signHeaders(t *testing.T, secret, bodyFile string, extra ...string) core.Headers {
	t.Helper()
	r := runCLI(t, "", nil, append([]string{"sign", "--secret", secret, "--file", bodyFile}, extra...)...)
	wantCode(t, r, 0)
	var h core.Headers
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("sign printed %q, not a header line", line)
		}
		switch name {
		case core.HeaderID:
			h.ID = value
		case core.HeaderTimestamp:
			h.Timestamp = value
		case core.HeaderSignature:
			h.Signature = value
		default:
			t.Fatalf("sign printed an unexpected header %q", name)
		}
	}
	return h
}

func TestSignVerifyRoundTrip(t *testing.T) {
	secret := newSecret(t)
	body := sampleEvent(core.FineTuningJobSucceeded, time.Now())
	file := writeFile(t, "event.json", body)
	h := signHeaders(t, secret, file)
	if !strings.HasPrefix(h.ID, "wh_") || !strings.HasPrefix(h.Signature, "v1,") {
		t.Fatalf("headers %+v", h)
	}
	r := runCLI(t, "", nil, "verify", "--secret", secret, "--file", file, "--id", h.ID, "--timestamp", h.Timestamp, "--signature", h.Signature)
	wantCode(t, r, 0)
	wantContains(t, "verify", r.stdout, "verify: OK", "fine_tuning.job.succeeded", "evt_", h.ID)

	// The secret from the environment, the body from standard input, id and time fixed.
	r = runCLI(t, string(body), []string{core.EnvSecret + "=" + secret}, "sign", "--id", "wh_fixed", "--timestamp", "1750861210")
	wantCode(t, r, 0)
	wantContains(t, "sign", r.stdout, "webhook-id: wh_fixed\n", "webhook-timestamp: 1750861210\n", "webhook-signature: v1,")
	sig := strings.TrimSpace(r.stdout[strings.Index(r.stdout, "v1,"):])
	r = runCLI(t, string(body), []string{core.EnvSecret + "=" + secret}, "verify", "--file", "-", "--id", "wh_fixed", "--timestamp", "1750861210", "--signature", sig, "--now", "1750861215")
	wantCode(t, r, 0)
	wantContains(t, "verify", r.stdout, "verify: OK", "5 s ago")
}

func TestSignCurl(t *testing.T) {
	secret := newSecret(t)
	// A body that needs every kind of shell quoting care.
	body := "{\"note\": \"it's $HOME `date` \\\"quoted\\\" \\\\ ! *\",\n \"x\": 1}\n"
	r := runCLI(t, body, nil, "sign", "--secret", secret, "--curl", "http://127.0.0.1:3000/webhooks/openai?a=1&b=2")
	wantCode(t, r, 0)
	wantContains(t, "sign --curl", r.stdout, "curl -sS -X POST 'http://127.0.0.1:3000/webhooks/openai?a=1&b=2'", "--data-binary '")
	wantContains(t, "sign --curl stderr", r.stderr, "accepts it until")

	// Run the command with a curl that prints its arguments: the shell must hand curl the
	// exact body and the three headers.
	script := `curl() { for a in "$@"; do printf '%s\0' "$a"; done; }` + "\n" + r.stdout
	out, err := exec.Command("sh", "-c", script).Output()
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if got := args[len(args)-1]; got != body {
		t.Fatalf("curl would send %q, want %q", got, body)
	}
	var h core.Headers
	for i, a := range args {
		if a == "-H" {
			name, value, _ := strings.Cut(args[i+1], ": ")
			switch name {
			case core.HeaderID:
				h.ID = value
			case core.HeaderTimestamp:
				h.Timestamp = value
			case core.HeaderSignature:
				h.Signature = value
			}
		}
	}
	v, err := core.NewVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify([]byte(body), h); err != nil {
		t.Fatalf("the curl command's delivery does not verify: %v", err)
	}

	// A body from a file is sent with --data-binary @file.
	file := writeFile(t, "body with space.json", []byte(body))
	r = runCLI(t, "", nil, "sign", "--secret", secret, "--file", file, "--curl", "http://localhost:3000/webhooks/openai")
	wantCode(t, r, 0)
	wantContains(t, "sign --curl --file", r.stdout, "--data-binary '@"+file+"'")
}

func TestSendErrors(t *testing.T) {
	// Nothing listens on port 1 of loopback.
	r := runCLI(t, "", nil, "send", "--secret", newSecret(t), "--url", "http://127.0.0.1:1/webhooks/openai")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "connection refused", "openai-webhooks listen")

	r = runCLI(t, "", nil, "send", "--secret", "not a secret", "--url", "http://127.0.0.1:1/")
	wantCode(t, r, 1)
	wantContains(t, "stderr", r.stderr, "invalid webhook secret")
}

// TestDependencies: the command uses the standard library and this module, plus what
// deadletters (River, pgx, modernc's SQLite) and sign --lambda (aws-lambda-go's events)
// need, so that `go install …/cmd/openai-webhooks@latest` pulls in nothing else.
func TestDependencies(t *testing.T) {
	// Beyond the standard library and this module, only what two commands need, and
	// whatever those packages need themselves: River with its drivers for deadletters,
	// aws-lambda-go's event types for sign --lambda (through webhooktest).
	allowed := []string{
		"github.com/riverqueue/river/riverdriver/riverpgxv5",
		"github.com/riverqueue/river/riverdriver/riversqlite",
		"github.com/jackc/pgx/v5/pgxpool",
		"github.com/aws/aws-lambda-go/events",
		"github.com/webhookkit/openai-webhooks/riverjobs",
		"github.com/webhookkit/openai-webhooks/sqlitejobs",
	}
	deps := func(pkgs ...string) []string {
		t.Helper()
		out, err := exec.Command("go", append([]string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}"}, pkgs...)...).Output()
		if err != nil {
			t.Fatalf("go list %v: %v", pkgs, err)
		}
		return strings.Fields(string(out))
	}
	ok := map[string]bool{}
	for _, pkg := range deps(allowed...) {
		ok[pkg] = true
	}
	for _, pkg := range deps(".") {
		if !strings.HasPrefix(pkg, "github.com/webhookkit/openai-webhooks/") && !ok[pkg] {
			t.Errorf("the command depends on %s, outside the standard library, this module and what deadletters and sign --lambda need", pkg)
		}
	}
}
