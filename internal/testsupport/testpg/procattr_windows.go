package testpg

import "syscall"

// runAs is unused on Windows, where PostgreSQL runs as the current user.
type runAs struct{}

func credential() (*runAs, error) { return nil, nil }

func chown(string, *runAs) error { return nil }

func sysProcAttr(*runAs) *syscall.SysProcAttr { return nil }
