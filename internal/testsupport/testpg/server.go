package testpg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// errMissing means no PostgreSQL binaries were found.
var errMissing = errors.New(MissingMessage)

// libDir is where Debian and Ubuntu install PostgreSQL; tests of this package swap it.
var libDir = "/usr/lib/postgresql"

// Server is a private PostgreSQL server on a loopback port, run from a temporary directory
// that is removed when it stops.
type Server struct {
	dir    string
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
	output *testkit.LockedBuffer
	once   sync.Once
}

// StartServer starts a PostgreSQL server that only t uses, stopped when t ends (or earlier
// with Stop, to see how code copes with a database that went away). It skips or fails the
// test as the package documentation says when the binaries are missing; DATABASE_URL
// does not count here, as a server given by URL cannot be stopped.
func StartServer(t testing.TB) *Server {
	t.Helper()
	bin, ok := findBinaries()
	if !ok {
		missing(t)
		return nil
	}
	s, err := start(bin)
	if err != nil {
		t.Fatalf("testpg: %v", err)
	}
	t.Cleanup(s.stop)
	return s
}

// URL returns the connection string of database db on s.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// Stop shuts the server down at once (an immediate shutdown, as after a crash) and
// removes its directory. It is safe to call more than once.
func (s *Server) Stop() { s.stop() }

// NewDatabase creates an empty database on s for t, dropped when t ends, and returns its
// connection string.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := uniqueName(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatalf("testpg: cannot connect to the test server: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		t.Fatalf("testpg: CREATE DATABASE %s: %v", name, err)
	}
	t.Cleanup(func() {
		select {
		case <-s.exited:
			return // stopped: its directory, databases included, is gone
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, s.URL("postgres"))
		if err != nil {
			return
		}
		defer conn.Close(context.Background())
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return s.URL(name)
}

// binaries are the directory holding initdb and postgres.
type binaries string

func (b binaries) path(name string) string { return filepath.Join(string(b), name) }

// findBinaries looks for initdb and postgres on PATH, then in the newest
// /usr/lib/postgresql/<version>/bin.
func findBinaries() (binaries, bool) {
	if initdb, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(initdb)
		if isExecutable(filepath.Join(dir, "postgres")) {
			return binaries(dir), true
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(libDir, "*", "bin"))
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, dir := range dirs {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres")) {
			return binaries(dir), true
		}
	}
	return "", false
}

func versionOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
}

// start runs initdb and postgres, retrying with another port if the chosen one was taken.
func start(bin binaries) (*Server, error) {
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "testpg-")
	if err != nil {
		return nil, err
	}
	if err := chown(dir, cred); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("give %s to the postgres user: %w", dir, err)
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(bin.path("initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = sysProcAttr(cred)
	if out, err := initdb.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("%s failed: %w; its output:\n%s", initdb, err, out)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := run(bin, dir, cred)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	_ = os.RemoveAll(dir)
	return nil, lastErr
}

func run(bin binaries, dir string, cred *runAs) (*Server, error) {
	port, err := testkit.FreePort()
	if err != nil {
		return nil, fmt.Errorf("no free loopback port: %w", err)
	}
	s := &Server{dir: dir, port: port, exited: make(chan struct{}), output: new(testkit.LockedBuffer)}
	s.cmd = exec.Command(bin.path("postgres"),
		"-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+dir,
		"-c", "max_connections=300",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
	)
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	s.cmd.SysProcAttr = sysProcAttr(cred)
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.URL("postgres"))
		cancel()
		if err == nil {
			_ = conn.Close(context.Background())
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("postgres exited before accepting connections; its output:\n%s", s.output.String())
		default:
		}
		if time.Now().After(deadline) {
			_ = s.cmd.Process.Kill()
			<-s.exited
			return nil, fmt.Errorf("postgres did not accept connections on port %d within 30s (last error: %v); its output:\n%s", port, err, s.output.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop shuts the server down immediately (SIGQUIT), waits for it and removes its directory.
func (s *Server) stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		_ = os.RemoveAll(s.dir)
	})
}
