//go:build unix && !linux

package testpg

import "syscall"

// sysProcAttr runs a server process as cred (nil: as ourselves). Outside Linux, a test
// binary that dies without running its cleanups leaves its postgres running.
func sysProcAttr(cred *runAs) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred}
}
