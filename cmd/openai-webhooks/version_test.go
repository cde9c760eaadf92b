package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := runCLI(t, "", nil, args...)
		wantCode(t, r, 0)
		// The test binary is built from this clone with go build: a development build.
		wantContains(t, strings.Join(args, " "), r.stdout, "openai-webhooks (devel)", "not a released version", "go1.")
	}
	r := runCLI(t, "", nil, "version", "extra")
	wantCode(t, r, 2)
}

func TestVersionText(t *testing.T) {
	release := &debug.BuildInfo{GoVersion: "go1.25.0", Main: debug.Module{Path: "github.com/webhookkit/openai-webhooks", Version: "v0.1.0"}}
	if got := versionText(release, true); !strings.HasPrefix(got, "openai-webhooks v0.1.0 (go1.25.0 ") {
		t.Errorf("release: %q", got)
	}
	devel := &debug.BuildInfo{GoVersion: "go1.25.0", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-11-26T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	got := versionText(devel, true)
	for _, want := range []string{"(devel)", "not a released version", "commit 0123456789ab,", "2026-11-26T10:00:00Z", "with local changes", "go1.25.0"} {
		if !strings.Contains(got, want) {
			t.Errorf("devel: %q does not contain %q", got, want)
		}
	}
	if got := versionText(&debug.BuildInfo{GoVersion: "go1.25.0"}, true); !strings.Contains(got, "(devel)") || strings.Contains(got, "commit") {
		t.Errorf("devel without VCS information: %q", got)
	}
	if got := versionText(nil, false); !strings.Contains(got, "no build information") {
		t.Errorf("no build info: %q", got)
	}
}

// The commands printed for a program started with go run must work for whoever runs
// them: never "@latest" of a module that may not be published.
func TestGoRunCommand(t *testing.T) {
	for _, tc := range []struct {
		cwdHasCmd     bool
		root, version string
		want          string
	}{
		{true, "/src/clone", "(devel)", "go run ./cmd/openai-webhooks"},
		{false, "/src/my clone", "(devel)", "go -C '/src/my clone' run ./cmd/openai-webhooks"},
		{false, "", "v0.1.0", "go run github.com/webhookkit/openai-webhooks/cmd/openai-webhooks@v0.1.0"},
		{false, "", "(devel)", "go run ./cmd/openai-webhooks"},
		{false, "", "", "go run ./cmd/openai-webhooks"},
	} {
		got := goRunCommand(tc.cwdHasCmd, tc.root, tc.version)
		if got != tc.want {
			t.Errorf("goRunCommand(%v, %q, %q) = %q, want %q", tc.cwdHasCmd, tc.root, tc.version, got, tc.want)
		}
		if strings.Contains(got, "@latest") {
			t.Errorf("%q suggests @latest", got)
		}
	}
	for _, cmd := range commands() {
		r := runCLI(t, "", nil, cmd.name, "-h")
		if strings.Contains(r.stdout, "@latest") {
			t.Errorf("%s -h suggests @latest, which fails until the module is published:\n%s", cmd.name, r.stdout)
		}
	}
}
