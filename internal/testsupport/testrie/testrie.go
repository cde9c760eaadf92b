// Package testrie runs a Lambda function under AWS's own Lambda Runtime Interface
// Emulator (aws-lambda-rie), the runtime API that Lambda's provided.al2023 runtime
// offers a bootstrap binary, so that a test invokes the real program the way Lambda does.
//
// The emulator is found in PATH or in $(go env GOPATH)/bin. When it is missing the test
// FAILS, saying how to install it, so that `go test ./...` cannot pass while the emulator
// tests silently did not run. To run the other tests on a machine without it, set
// OPENAI_WEBHOOKS_SKIP_LAMBDA_RIE=1: the emulator tests are then skipped, with a notice
// on stderr. Under CI=true a missing emulator always fails.
package testrie

import (
	"bytes"
	"context"
	"fmt"
	"go/build"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// EnvSkip names the environment variable that, set to 1 (or true), skips the tests that
// need the emulator when it is not installed, instead of failing them.
const EnvSkip = "OPENAI_WEBHOOKS_SKIP_LAMBDA_RIE"

// Install is the command that installs the emulator.
const Install = "go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@latest"

// MissingMessage is the reason given when the emulator is not installed.
const MissingMessage = "aws-lambda-rie not found in PATH or $(go env GOPATH)/bin: install it with `" + Install + "`, or set " + EnvSkip + "=1 to skip the tests that need it"

var (
	warnOnce = new(sync.Once)
	// stderr receives the loud skip notice.
	stderr io.Writer = os.Stderr
)

// Function is a Lambda function running under the emulator.
type Function struct {
	url    string
	output *testkit.LockedBuffer
	client *http.Client
}

// Build compiles the main package in dir as a Lambda bootstrap binary for this machine,
// the way it is built for provided.al2023 (-tags lambda.norpc), and returns its path.
// Without the emulator to run it, it fails or skips the test as Start does, before
// spending the build.
func Build(t testing.TB, dir string) string {
	t.Helper()
	if find() == "" {
		missing(t)
		return ""
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command in PATH: %v", err)
	}
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags lambda.norpc in %s: %v\n%s", dir, err, msg)
	}
	return out
}

// Start runs bootstrap under the emulator on free loopback ports, with env ("NAME=value")
// added to this process's environment, until the test ends. The function's output and
// the emulator's go to Output.
func Start(t testing.TB, bootstrap string, env ...string) *Function {
	t.Helper()
	rie := find()
	if rie == "" {
		missing(t)
		return nil
	}
	var lastErr error
	for range 3 { // a free port may be taken before the emulator binds it
		f, err := start(t, rie, bootstrap, env)
		if err == nil {
			return f
		}
		lastErr = err
	}
	t.Fatalf("starting aws-lambda-rie: %v", lastErr)
	return nil
}

func start(t testing.TB, rie, bootstrap string, env []string) (*Function, error) {
	apiPort, err := testkit.FreePort()
	if err != nil {
		return nil, err
	}
	runtimePort, err := testkit.FreePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(apiPort)
	output := &testkit.LockedBuffer{}
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(runtimePort),
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = output, output
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		kill(cmd)
		<-exited
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-exited:
			return nil, fmt.Errorf("the emulator exited at start:\n%s", output.String())
		default:
		}
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("the emulator did not listen on %s within 15s:\n%s", addr, output.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(stop)
	return &Function{
		url:    "http://" + addr + "/2015-03-31/functions/function/invocations",
		output: output,
		client: &http.Client{Timeout: 30 * time.Second},
	}, nil
}

// Invoke invokes the function synchronously with payload, as Lambda's Invoke API does,
// and returns the function's result: its response, or the error object Lambda makes of a
// failed invocation ({"errorMessage":…,"errorType":…}).
func (f *Function) Invoke(t testing.TB, payload []byte) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, f.url, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatalf("invoking the function: %v\noutput:\n%s", err, f.Output())
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the emulator answered %d %s\noutput:\n%s", resp.StatusCode, body, f.Output())
	}
	return body
}

// Output returns everything the function and the emulator printed so far.
func (f *Function) Output() string { return f.output.String() }

// find returns the emulator's path, or "" when it is not installed.
func find() string {
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		gopath = build.Default.GOPATH
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "aws-lambda-rie")
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p
		}
	}
	return ""
}

// missing fails the test, or skips it when EnvSkip is set (never under CI=true).
func missing(t testing.TB) {
	t.Helper()
	testkit.MissingPrerequisite(t, MissingMessage, EnvSkip, "aws-lambda-rie not found and "+EnvSkip+" is set: the tests that need the Lambda emulator are SKIPPED", warnOnce, stderr)
}
