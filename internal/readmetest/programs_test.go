package readmetest

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testkit"
	"github.com/webhookkit/openai-webhooks/internal/testpg"
	"github.com/webhookkit/openai-webhooks/internal/testredis"
)

func TestMain(m *testing.M) { os.Exit(testpg.Run(m)) }

// TestBackgroundProcessingProgramsRun builds each complete program of README.md's
// "Background processing" section and runs it as a reader would, on a real SQLite file,
// PostgreSQL and Redis: on its first start (River's migrations included) it must answer
// a signed delivery 200 and run the handler in its worker.
func TestBackgroundProcessingProgramsRun(t *testing.T) {
	programs := sectionPrograms(t, "## Background processing")
	if len(programs) != 3 {
		t.Fatalf("found %d complete programs in the section, want 3 (SQLite, PostgreSQL, Redis)", len(programs))
	}
	dir, err := os.MkdirTemp(moduleRoot, "_readme_programs_")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for i, src := range programs {
		var name string
		switch {
		case strings.Contains(src, "sqlitejobs.Open"):
			name = "SQLite"
		case strings.Contains(src, "riverpgxv5"):
			name = "PostgreSQL"
		case strings.Contains(src, "asynqjobs"):
			name = "Redis"
		default:
			t.Fatalf("program %d of the section uses none of sqlitejobs, riverjobs on PostgreSQL, asynqjobs", i+1)
		}
		t.Run(name, func(t *testing.T) {
			pkg := filepath.Join(dir, fmt.Sprintf("p%d", i+1))
			if err := os.MkdirAll(pkg, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(pkg, "main.go"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			bin := filepath.Join(t.TempDir(), "program")
			build := exec.Command("go", "build", "-o", bin, "./"+filepath.ToSlash(filepath.Join(filepath.Base(dir), filepath.Base(pkg))))
			build.Dir = moduleRoot
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			env := map[string]string{}
			switch name {
			case "PostgreSQL":
				env["DATABASE_URL"] = testpg.New(t)
			case "Redis":
				env["REDIS_ADDR"] = testredis.Start(t).Options().Addr
			}
			runProgram(t, bin, env)
		})
	}
}

// sectionPrograms returns the Go blocks of README.md's section heading that are
// complete programs (package main).
func sectionPrograms(t *testing.T, heading string) []string {
	text, err := os.ReadFile(filepath.Join(moduleRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, found := strings.Cut(string(text), "\n"+heading+"\n")
	if !found {
		t.Fatalf("README.md has no section %q", heading)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var programs []string
	for _, b := range fence.FindAllStringSubmatch(section, -1) {
		if strings.HasPrefix(strings.TrimSpace(b[1]), "package main") {
			programs = append(programs, b[1])
		}
	}
	return programs
}

// runProgram starts bin in a fresh directory with env, a fresh secret and a free PORT,
// sends it a signed batch.completed delivery and waits for its handler's line.
func runProgram(t *testing.T, bin string, env map[string]string) {
	secret, signer := newKeys(t)
	p, err := testkit.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(p)
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), core.EnvSecret+"="+secret, "PORT="+port)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out testkit.LockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	body := []byte(fmt.Sprintf(`{"id":"evt_readme","object":"event","created_at":%d,"type":"batch.completed","data":{"id":"batch_readme"}}`, time.Now().Unix()))
	url := "http://127.0.0.1:" + port + "/webhooks/openai"
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		signer.Headers("wh_readme", time.Now(), body).Set(req.Header)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("delivery answered %d, want 200; output:\n%s", resp.StatusCode, out.String())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program does not listen on port %s after 60 s: %v; output:\n%s", port, err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for !strings.Contains(out.String(), "batch completed: batch_readme") {
		if time.Now().After(deadline) {
			t.Fatalf("the handler did not run; output:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func newKeys(t *testing.T) (string, *core.Signer) {
	secret, err := core.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := core.NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	return secret, signer
}
