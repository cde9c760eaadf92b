// Command openai-webhooks receives, sends and debugs OpenAI webhooks, which are signed
// with the Standard Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature).
//
// Until the module is published, run it from a clone of the repository:
//
//	git clone https://github.com/webhookkit/openai-webhooks.git
//	cd openai-webhooks && go run ./cmd/openai-webhooks demo
//
// Once it is published, install it with
//
//	go install github.com/webhookkit/openai-webhooks/cmd/openai-webhooks@latest
//
// Subcommands:
//
//	demo     receiver and sender on loopback: every event type, forged, tampered, stale,
//	         oversized and duplicate deliveries, and a table of what was answered
//	listen   a verifying receiver that prints each delivery and each rejection; it
//	         forwards them to your app, captures them and shows them in a web inspector
//	replay   send captured deliveries again, as they were or re-signed
//	send     sign and POST a realistic sample of any event type, or your own body
//	sign     print the three webhook headers for a body, a ready curl command, or
//	         a signed AWS Lambda event (API Gateway v1/v2, function URL, ALB)
//	verify   check a captured delivery and explain exactly why it fails
//	secret   print a new whsec_ secret
//	events   list the known event types and their data fields
//	version  print the module version this program was built from
//	deadletters  list the deliveries whose River jobs failed for good (SQLite or
//	         PostgreSQL), and replay them
//
// Exit status: 0 success; 1 failure (verification failed, a non-2xx answer, a demo
// answer that was not the expected one, an unusable secret, an I/O error); 2 usage error
// (unknown subcommand or flag, missing or conflicting flags).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
)

// Exit codes, documented in the usage text and in docs/cli.md.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const progName = "openai-webhooks"

func main() {
	os.Exit(run(newCLI(), os.Args[1:]))
}

// cli is what a subcommand may touch of the outside world, so tests can swap it.
type cli struct {
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	lookupEnv func(string) (string, bool)
	now       func() time.Time
}

func newCLI() *cli {
	return &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, lookupEnv: os.LookupEnv, now: time.Now}
}

type command struct {
	name    string
	summary string
	run     func(c *cli, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "run a receiver and a sender on loopback and show what is accepted and rejected", runDemo},
		{"listen", "run a verifying receiver: print, forward to your app, capture, inspect", runListen},
		{"replay", "send captured deliveries again, as they were or re-signed", runReplay},
		{"send", "sign and POST a sample event of any type (or your own body) to a receiver", runSend},
		{"sign", "print the webhook headers for a body, a curl command or a Lambda event", runSign},
		{"verify", "check a captured delivery and explain why it fails", runVerify},
		{"secret", "print a new whsec_ signing secret", runSecret},
		{"events", "list the known event types and their data fields", runEvents},
		{"version", "print the module version this program was built from", runVersion},
		{"deadletters", "list the deliveries whose jobs failed for good, and replay them", runDeadLetters},
	}
}

const exitStatusText = `Exit status:
  0  success
  1  failure: verification failed, a non-2xx answer, a demo answer that was not the
     expected one, an unusable secret, an unreadable file, a network error
  2  usage error: unknown subcommand or flag, a missing or conflicting flag
`

func topUsage(w io.Writer) {
	fmt.Fprintf(w, `%[1]s receives, sends and debugs OpenAI webhooks (Standard Webhooks signatures).

Usage:
  %[1]s <command> [flags]

Commands:
`, progName)
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprintf(w, `
Start with:
  %[1]s demo

Run '%[1]s <command> -h' for the flags of a command. Flags are written --name value
or --name=value.

Environment:
  %[2]s  the endpoint's signing secret (whsec_…), used when --secret is not given

%[3]s`, progName, core.EnvSecret, exitStatusText)
}

// run executes one command line and returns the exit status.
func run(c *cli, args []string) int {
	if len(args) == 0 {
		topUsage(c.stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(rest) > 0 {
			return run(c, []string{rest[0], "-h"})
		}
		topUsage(c.stdout)
		return exitOK
	}
	for _, cmd := range commands() {
		if cmd.name == name {
			return exitCode(c, cmd.name, cmd.run(c, rest))
		}
	}
	if name == "-version" || name == "--version" {
		return exitCode(c, "version", runVersion(c, rest))
	}
	if strings.HasPrefix(name, "-") {
		fmt.Fprintf(c.stderr, "%s: flag %s given before a command\nRun '%s -h' for usage.\n", progName, name, progName)
	} else {
		fmt.Fprintf(c.stderr, "%s: unknown command %q\nRun '%s -h' for the list of commands.\n", progName, name, progName)
	}
	return exitUsage
}

// errHelp: the usage was asked for with -h and printed.
var errHelp = errors.New("help printed")

// errReported: the command failed and has already said why on its output.
var errReported = errors.New("failure reported")

// usageError is a command line that cannot be run as given (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func exitCode(c *cli, name string, err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.Is(err, errReported):
		return exitFailure
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "%s %s: %s\nRun '%s %s -h' for usage.\n", progName, name, ue.msg, progName, name)
		return exitUsage
	default:
		fmt.Fprintf(c.stderr, "%s %s: %v\n", progName, name, err)
		return exitFailure
	}
}

// secretFrom returns the secret of --secret, else of OPENAI_WEBHOOK_SECRET, and where it
// came from; ok is false when neither is set.
func (c *cli) secretFrom(flagValue string) (secret, source string, ok bool) {
	if strings.TrimSpace(flagValue) != "" {
		return flagValue, "--secret", true
	}
	if v, found := c.lookupEnv(core.EnvSecret); found && strings.TrimSpace(v) != "" {
		return v, core.EnvSecret, true
	}
	return "", "", false
}

// signerFrom returns a signer for the secret of --secret or OPENAI_WEBHOOK_SECRET, or a
// usage error when neither is set.
func (c *cli) signerFrom(flagValue string) (*core.Signer, error) {
	secret, _, ok := c.secretFrom(flagValue)
	if !ok {
		return nil, usageErrorf("no secret: give --secret whsec_… or set %s (make one with 'openai-webhooks secret')", core.EnvSecret)
	}
	return core.NewSigner(secret)
}

// readBody reads a body from path, or from standard input when path is "" or "-".
func (c *cli) readBody(path string) ([]byte, error) {
	if path == "" || path == "-" {
		if f, ok := c.stdin.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				fmt.Fprintln(c.stderr, "reading the body from the terminal; end it with Ctrl-D (or give --file)")
			}
		}
		b, err := io.ReadAll(c.stdin)
		if err != nil {
			return nil, fmt.Errorf("reading the body from standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	return b, nil
}
