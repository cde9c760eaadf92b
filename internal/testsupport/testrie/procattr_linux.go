package testrie

import (
	"os/exec"
	"syscall"
)

// ownGroup puts the emulator in a process group of its own, with the function it starts,
// and asks Linux to kill the emulator if the test binary dies without running its
// cleanups (a panic, a timeout, a kill).
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// kill kills the emulator and the function it started: the whole process group.
func kill(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
