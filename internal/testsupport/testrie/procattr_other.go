//go:build !linux

package testrie

import "os/exec"

// ownGroup does nothing outside Linux.
func ownGroup(*exec.Cmd) {}

// kill kills the emulator; outside Linux the function it started may outlive it until
// it next calls the runtime API, which is gone.
func kill(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
