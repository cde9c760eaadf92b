package testredis

import (
	"os/exec"
	"syscall"
)

// dieWithParent asks Linux to kill the server if the test binary dies without running
// its cleanups (a panic, a timeout, a kill), so no redis-server is left behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
