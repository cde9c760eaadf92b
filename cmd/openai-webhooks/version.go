package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

var versionUsage = cmdUsage{
	name:     "version",
	synopsis: "",
	about: `Prints the version of the github.com/webhookkit/openai-webhooks module this program
was built from, and the Go version that built it. A program built from a clone of the
repository (go build, go run) has no module version: it says so, with the commit it was
built from when Go recorded it.`,
	examples: `openai-webhooks version`,
}

func runVersion(c *cli, args []string) error {
	fs := newFlagSet("version")
	if err := c.parse(fs, versionUsage, args); err != nil {
		return err
	}
	info, ok := debug.ReadBuildInfo()
	fmt.Fprintln(c.stdout, versionText(info, ok))
	return nil
}

// versionText describes the build: "openai-webhooks v0.1.0 (go1.25.0 linux/amd64)" for
// an installed release, or a development build with its commit.
func versionText(info *debug.BuildInfo, ok bool) string {
	platform := fmt.Sprintf("%s/%s", runtime.GOOS, runtime.GOARCH)
	if !ok || info == nil {
		return fmt.Sprintf("%s: no build information (built without module support), %s", progName, platform)
	}
	goVersion := info.GoVersion + " " + platform
	version := info.Main.Version
	if version != "" && version != "(devel)" {
		return fmt.Sprintf("%s %s (%s)", progName, version, goVersion)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	var from []string
	if rev := settings["vcs.revision"]; rev != "" {
		from = append(from, "commit "+rev[:min(len(rev), 12)])
	}
	if t := settings["vcs.time"]; t != "" {
		from = append(from, t)
	}
	if settings["vcs.modified"] == "true" {
		from = append(from, "with local changes")
	}
	built := "a development build from a clone of the repository, not a released version"
	if len(from) > 0 {
		built += " (" + strings.Join(from, ", ") + ")"
	}
	return fmt.Sprintf("%s (devel): %s; %s", progName, built, goVersion)
}
