package testbrowser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// withoutChromium runs Chromium with an empty PATH and the environment given.
func withoutChromium(t *testing.T, ci, skip string) *testkit.Recorder {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", ci)
	t.Setenv(EnvSkip, skip)
	return testkit.Record(t, func(tb testing.TB) { Chromium(tb) })
}

func TestMissingChromiumFails(t *testing.T) {
	if r := withoutChromium(t, "", ""); !strings.Contains(r.FailedWith, "apt-get install -y chromium") || r.SkippedWith != "" {
		t.Fatalf("failed with %q, skipped with %q; want a failure with the install command", r.FailedWith, r.SkippedWith)
	}
}

func TestMissingChromiumSkipsWhenAsked(t *testing.T) {
	if r := withoutChromium(t, "", "1"); r.FailedWith != "" || !strings.Contains(r.SkippedWith, "SKIPPED") {
		t.Fatalf("failed with %q, skipped with %q; want a skip", r.FailedWith, r.SkippedWith)
	}
}

func TestMissingChromiumFailsUnderCI(t *testing.T) {
	if r := withoutChromium(t, "true", "1"); !strings.Contains(r.FailedWith, "CI=true") {
		t.Fatalf("failed with %q, skipped with %q; want a failure under CI", r.FailedWith, r.SkippedWith)
	}
}

func TestFindsChromiumOnPath(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "chromium-browser")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	if path := Chromium(t); path != fake {
		t.Fatalf("Chromium() = %q, want %q", path, fake)
	}
}
