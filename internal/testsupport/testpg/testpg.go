// Package testpg gives tests a PostgreSQL database of their own.
//
// When DATABASE_URL is set, each test gets a fresh schema in that database (the connection
// string it receives sets search_path to it), dropped when the test ends. Otherwise the
// test binary starts one private PostgreSQL server of its own, the first time a test asks
// for one: initdb into a temporary directory and postgres on a free loopback port, run as
// the postgres user when the tests run as root (PostgreSQL refuses to run as root). Each
// test then gets a fresh database on it, dropped when the test ends. The server and its
// directory are removed when the tests finish, which is why a package using New must run
// its tests through Run:
//
//	func TestMain(m *testing.M) { os.Exit(testpg.Run(m)) }
//
// The binaries are looked up on PATH and in /usr/lib/postgresql/<version>/bin, where the
// Debian and Ubuntu packages put them. When neither DATABASE_URL nor the binaries are
// available the test fails, as the Redis tests do without Redis, so that a green
// `go test ./...` means the PostgreSQL tests ran. To run the rest of the suite on a
// machine without PostgreSQL, set OPENAI_WEBHOOKS_SKIP_POSTGRES=1: the PostgreSQL tests
// are then skipped, with a notice on stderr. Under CI=true a missing PostgreSQL always
// fails.
package testpg

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/webhookkit/openai-webhooks/internal/testsupport/testkit"
)

// EnvURL names the environment variable holding the connection string of an existing
// PostgreSQL to use, such as postgres://user:pass@localhost:5432/test. The user must be
// allowed to create schemas there; nothing outside its own schemas is touched.
const EnvURL = "DATABASE_URL"

// EnvSkip names the environment variable that, set to 1 (or true), skips the tests that
// need PostgreSQL when none is available, instead of failing them.
const EnvSkip = "OPENAI_WEBHOOKS_SKIP_POSTGRES"

// MissingMessage is the reason given when no PostgreSQL is available.
const MissingMessage = "PostgreSQL not found: install it (apt-get install -y postgresql), set DATABASE_URL to a PostgreSQL to use, or set " + EnvSkip + "=1 to skip the tests that need PostgreSQL"

// shared is the server of this test binary, started by the first test that needs one and
// stopped by Run. It is process-wide on purpose: one initdb per test binary, not per test.
var shared = struct {
	sync.Mutex
	inRun  bool
	server *Server
	err    error
	done   bool
}{}

var (
	warnOnce = new(sync.Once)
	// stderr receives the loud skip notice; tests of this package swap it.
	stderr io.Writer = os.Stderr
	// names makes database and schema names unique within the process.
	names atomic.Int64
)

// Run runs the tests of m and then stops the server they shared, if one was started. Call
// it from TestMain: os.Exit(testpg.Run(m)).
func Run(m *testing.M) int {
	shared.Lock()
	shared.inRun = true
	shared.Unlock()
	code := m.Run()
	shared.Lock()
	defer shared.Unlock()
	if shared.server != nil {
		shared.server.stop()
		shared.server = nil
	}
	return code
}

// New returns the connection string of a fresh, empty database (or schema, with
// DATABASE_URL) that only t uses, removed when t ends. See the package documentation for
// where it lives.
func New(t testing.TB) string {
	t.Helper()
	if base := os.Getenv(EnvURL); base != "" {
		return newSchema(t, base)
	}
	shared.Lock()
	inRun := shared.inRun
	shared.Unlock()
	if !inRun {
		// Without Run nobody would stop a shared server: give this test its own.
		return StartServer(t).NewDatabase(t)
	}
	return sharedServer(t).NewDatabase(t)
}

// NewPool is New with a pgx pool connected to the database, closed when t ends.
func NewPool(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	connString := New(t)
	return Connect(t, connString), connString
}

// Connect opens a pool on connString, checks that it answers and closes it when t ends.
func Connect(t testing.TB, connString string) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, connString)
	if err != nil {
		t.Fatalf("testpg: cannot open a pool: %v", err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("testpg: no answer from PostgreSQL: %v", err)
	}
	return pool
}

func sharedServer(t testing.TB) *Server {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.done {
		shared.done = true
		bin, ok := findBinaries()
		if !ok {
			shared.err = errMissing
		} else {
			shared.server, shared.err = start(bin)
		}
	}
	if shared.err == errMissing {
		missing(t)
	}
	if shared.err != nil {
		t.Fatalf("testpg: %v", shared.err)
	}
	return shared.server
}

// missing fails the test, or skips it when EnvSkip is set (never under CI=true).
func missing(t testing.TB) {
	t.Helper()
	testkit.MissingPrerequisite(t, MissingMessage, EnvSkip, "PostgreSQL not found and "+EnvSkip+" is set: the tests that need PostgreSQL are SKIPPED", warnOnce, stderr)
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

// uniqueName makes a lower-case SQL identifier from the test's name, unique in the process.
func uniqueName(t testing.TB) string {
	name := unsafeChars.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 30 {
		name = name[:30]
	}
	return fmt.Sprintf("t_%s_%d_%d", strings.Trim(name, "_"), os.Getpid(), names.Add(1))
}

// newSchema creates a schema in the database at base and returns a connection string
// whose search_path is that schema.
func newSchema(t testing.TB, base string) string {
	t.Helper()
	schema := uniqueName(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("testpg: cannot connect to %s: %v (is the server running and the URL right?)", EnvURL, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("testpg: CREATE SCHEMA in the database of %s: %v (the user needs the CREATE privilege)", EnvURL, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("testpg: schema %s left behind: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("testpg: schema %s left behind: %v", schema, err)
		}
	})
	return withSearchPath(base, schema)
}

// withSearchPath adds search_path to a URL or keyword/value connection string.
func withSearchPath(base, schema string) string {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return base + " search_path=" + schema
}
