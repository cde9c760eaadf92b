package testpg

import "syscall"

// sysProcAttr runs a server process as cred (nil: as ourselves), and asks Linux to kill it
// if the test binary dies without running its cleanups, so no postgres is left behind.
func sysProcAttr(cred *runAs) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
}
