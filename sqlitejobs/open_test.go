//go:build unix

package sqlitejobs_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/webhookkit/openai-webhooks/core"
	"github.com/webhookkit/openai-webhooks/internal/testsupport/childproc"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

// openAsAnotherUser opens path in a child process that cannot override file
// permissions (as nobody when the tests run as root) and returns what it printed.
func openAsAnotherUser(t *testing.T, path string) string {
	t.Helper()
	bin := os.Args[0]
	cmd := exec.Command(bin, "-test.run", "^$")
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("running as root, and no user nobody to run the child as: %v", err)
		}
		uid, _ := strconv.ParseUint(u.Uid, 10, 32)
		gid, _ := strconv.ParseUint(u.Gid, 10, 32)
		// The test binary sits in a directory only root may enter: run a copy.
		dir := publicDir(t)
		copyTo := filepath.Join(dir, "sqlitejobs.test")
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(copyTo, data, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command(copyTo, "-test.run", "^$")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	cmd.Env = append(os.Environ(), envChild+"=open", envPath+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// publicDir is a new directory that every user may enter, list and write.
func publicDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o777|os.ModeSticky); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A file that cannot be created or written is an error at start that names the path and
// the cause; never a database in memory.
func TestOpenRefusesWhatItCannotWriteNamingThePath(t *testing.T) {
	ctx := context.Background()
	t.Run("missing directory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing", "webhooks.db")
		_, err := sqlitejobs.Open(ctx, path, mustVerifier(t), core.NewMux())
		if !errors.Is(err, sqlitejobs.ErrCannotOpen) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "exists and is writable") {
			t.Fatalf("Open = %v, want ErrCannotOpen naming %s and the directory", err, path)
		}
	})
	t.Run("directory not writable", func(t *testing.T) {
		dir := publicDir(t)
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "webhooks.db")
		got := openAsAnotherUser(t, path)
		if !strings.HasPrefix(got, "error: "+sqlitejobs.ErrCannotOpen.Error()) || !strings.Contains(got, path) {
			t.Fatalf("child printed %q, want ErrCannotOpen naming %s", got, path)
		}
		if testing.Verbose() {
			t.Log(got)
		}
	})
	t.Run("read-only file", func(t *testing.T) {
		path := filepath.Join(publicDir(t), "webhooks.db")
		db, err := sqlitejobs.OpenDB(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o444); err != nil {
			t.Fatal(err)
		}
		got := openAsAnotherUser(t, path)
		if !strings.HasPrefix(got, "error: "+sqlitejobs.ErrReadOnly.Error()) || !strings.Contains(got, path) {
			t.Fatalf("child printed %q, want ErrReadOnly naming %s", got, path)
		}
		if testing.Verbose() {
			t.Log(got)
		}
	})
	t.Run("no file", func(t *testing.T) {
		for _, path := range []string{"", ":memory:", "file::memory:?cache=shared"} {
			if _, err := sqlitejobs.Open(ctx, path, mustVerifier(t), core.NewMux()); !errors.Is(err, sqlitejobs.ErrCannotOpen) {
				t.Errorf("Open(%q) = %v, want ErrCannotOpen", path, err)
			}
		}
	})
}

// A file another process keeps locked is an error after the busy timeout, naming the
// path; once that process is gone, the file opens.
func TestOpenFailsClearlyWhileAnotherProcessHoldsTheLock(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	holder := childproc.Start(t, envChild+"=lock", envPath+"="+path)
	holder.Next(t, "locked", 30*time.Second)

	_, err := sqlitejobs.Open(ctx, path, mustVerifier(t), core.NewMux())
	if !errors.Is(err, sqlitejobs.ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open while another process holds the lock = %v, want ErrLocked naming %s", err, path)
	}
	if testing.Verbose() {
		t.Log(err)
	}
	holder.Kill(t)
	q, err := sqlitejobs.Open(ctx, path, mustVerifier(t), core.NewMux())
	if err != nil {
		t.Fatalf("Open after the other process died: %v", err)
	}
	if err := q.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}
