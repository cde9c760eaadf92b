//go:build !linux

package testredis

import "os/exec"

// dieWithParent does nothing outside Linux: there, a test binary that dies without
// running its cleanups leaves its redis-server running.
func dieWithParent(*exec.Cmd) {}
