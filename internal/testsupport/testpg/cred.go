//go:build unix

package testpg

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// runAs is the user a server process runs as.
type runAs = syscall.Credential

// credential returns the postgres user's ids when running as root, nil otherwise.
func credential() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and PostgreSQL refuses root; no postgres user to run it as (%v): install the postgresql package, which creates it, or run the tests as another user", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("postgres user ids %q/%q: %w", u.Uid, u.Gid, err)
	}
	return &runAs{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// chown gives dir to cred's user (nil: leaves it as it is).
func chown(dir string, cred *runAs) error {
	if cred == nil {
		return nil
	}
	return os.Chown(dir, int(cred.Uid), int(cred.Gid))
}
