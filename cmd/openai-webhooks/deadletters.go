package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/webhookkit/openai-webhooks/internal/textcut"
	"github.com/webhookkit/openai-webhooks/riverjobs"
	"github.com/webhookkit/openai-webhooks/sqlitejobs"
)

var deadlettersUsage = cmdUsage{
	name:     "deadletters",
	synopsis: "list --db URL [--limit N] [--json] | replay --db URL (WEBHOOK_ID… | --all)",
	about: `Shows and replays the dead letters of a River queue of deliveries (riverjobs,
sqlitejobs): the deliveries whose handler failed on every attempt, which River keeps
as discarded jobs (7 days by default).

  list    prints each dead letter: webhook-id, event type, attempts, when it failed
          and the last error, oldest first.
            --limit N  at most N of them
            --json     a JSON array, for scripts, with each error whole
  replay  makes the jobs of the webhook-ids given (as list prints them) available to
          run again at once, with one more attempt; a retrying job runs now instead of
          at its next attempt. The application's workers run them: this command
          starts none. Exit status 1 when a webhook-id has no such job.
            --all      every dead letter instead

--db is the application's queue database: sqlite:PATH for the file sqlitejobs.Open
opens (it must exist: a missing file is an error, not a new empty database), or a
PostgreSQL connection URL (postgres://user:password@host:5432/db). The command creates
no tables and runs no migrations. It can run while the application runs.`,
	examples: `openai-webhooks deadletters list --db sqlite:webhooks.db
openai-webhooks deadletters replay --db sqlite:webhooks.db wh_685c059ae39c8190af8c71ed1022a24d
openai-webhooks deadletters replay --db "$DATABASE_URL" --all`,
}

// deadLetterQueue is what the command needs of a riverjobs.Queue, whatever its driver.
type deadLetterQueue interface {
	DeadLetters(ctx context.Context, limit int) ([]riverjobs.DeadLetter, error)
	Replay(ctx context.Context, webhookID string) (*rivertype.JobRow, error)
	ReplayAll(ctx context.Context) (int, error)
	Stop(ctx context.Context) error
}

// dbTimeout bounds the command's whole conversation with the database: an unreachable
// server is an error within it, not a hang.
const dbTimeout = 30 * time.Second

func runDeadLetters(c *cli, args []string) error {
	if len(args) == 0 {
		return usageErrorf("deadletters needs a subcommand: list or replay")
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "list":
		return runDeadLettersList(c, rest)
	case "replay":
		return runDeadLettersReplay(c, rest)
	default:
		if strings.HasPrefix(sub, "-") { // -h, or a flag before the subcommand
			if err := c.parse(newFlagSet("deadletters"), deadlettersUsage, args); err != nil {
				return err
			}
		}
		return usageErrorf("unknown subcommand %q: want list or replay", sub)
	}
}

func runDeadLettersList(c *cli, args []string) error {
	fs := newFlagSet("deadletters list")
	db := fs.String("db", "", "the queue database `URL`: sqlite:PATH or postgres://…")
	limit := fs.Int("limit", 0, "print at most `N` dead letters (default all)")
	asJSON := fs.Bool("json", false, "print a JSON array, for scripts")
	if err := c.parse(fs, deadlettersUsage, args); err != nil {
		return err
	}
	if *limit < 0 {
		return usageErrorf("--limit must be 0 (all) or more, not %d", *limit)
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	q, where, err := openDeadLetterQueue(ctx, *db)
	if err != nil {
		return err
	}
	defer q.Stop(context.Background())
	letters, err := q.DeadLetters(ctx, *limit)
	if err != nil {
		return explainQueueError(where, err)
	}
	if *asJSON {
		return printDeadLettersJSON(c, letters)
	}
	if len(letters) == 0 {
		fmt.Fprintf(c.stdout, "no dead letters in %s\n", where)
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WEBHOOK-ID\tTYPE\tATTEMPTS\tFAILED AT (UTC)\tLAST ERROR")
	for _, d := range letters {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", orNone(d.WebhookID), orNone(string(d.EventType)), d.Attempts,
			d.FailedAt.UTC().Format(time.DateTime), textcut.Truncate(strings.Join(strings.Fields(d.LastError), " "), 160))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "\n%d dead letter(s) in %s. Run them again with '%s deadletters replay --db %s WEBHOOK_ID…' (or --all).\n",
		len(letters), where, commandName(), redactURL(*db))
	return nil
}

// deadLetterJSON is one dead letter in list --json's output.
type deadLetterJSON struct {
	WebhookID string    `json:"webhook_id"`
	EventType string    `json:"event_type"`
	Attempts  int       `json:"attempts"`
	FailedAt  time.Time `json:"failed_at"`
	LastError string    `json:"last_error"`
	JobID     int64     `json:"job_id"`
	Queue     string    `json:"queue"`
}

func printDeadLettersJSON(c *cli, letters []riverjobs.DeadLetter) error {
	out := make([]deadLetterJSON, 0, len(letters))
	for _, d := range letters {
		out = append(out, deadLetterJSON{
			WebhookID: d.WebhookID, EventType: string(d.EventType), Attempts: d.Attempts,
			FailedAt: d.FailedAt.UTC(), LastError: d.LastError, JobID: d.JobID, Queue: d.Queue,
		})
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func runDeadLettersReplay(c *cli, args []string) error {
	fs := newFlagSet("deadletters replay")
	db := fs.String("db", "", "the queue database `URL`: sqlite:PATH or postgres://…")
	all := fs.Bool("all", false, "replay every dead letter")
	ids, err := c.parseInterleaved(fs, deadlettersUsage, args)
	if err != nil {
		return err
	}
	switch {
	case *all && len(ids) > 0:
		return usageErrorf("give webhook-ids or --all, not both")
	case !*all && len(ids) == 0:
		return usageErrorf("give the webhook-ids to replay (as list prints them), or --all")
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	q, where, err := openDeadLetterQueue(ctx, *db)
	if err != nil {
		return err
	}
	defer q.Stop(context.Background())
	if *all {
		n, err := q.ReplayAll(ctx)
		if err != nil {
			return fmt.Errorf("replayed %d dead letter(s), then: %w", n, explainQueueError(where, err))
		}
		fmt.Fprintf(c.stdout, "replayed %d dead letter(s) in %s: the application's workers run them now\n", n, where)
		return nil
	}
	failed := 0
	for _, id := range ids {
		row, err := q.Replay(ctx, id)
		if err != nil {
			failed++
			if errors.Is(err, riverjobs.ErrNotReplayable) {
				fmt.Fprintf(c.stderr, "%s: not replayed: no dead letter, cancelled or retrying job with this webhook-id in %s (done, queued already, or never received)\n", id, where)
				continue
			}
			fmt.Fprintf(c.stderr, "%s: not replayed: %v\n", id, explainQueueError(where, err))
			continue
		}
		fmt.Fprintf(c.stdout, "%s: replayed (job %d, attempt %d of %d): the application's workers run it now\n",
			id, row.ID, row.Attempt+1, row.MaxAttempts)
	}
	if failed > 0 {
		return errReported
	}
	return nil
}

// openDeadLetterQueue opens the queue database of --db with a River client that works no
// jobs and creates nothing, and says where it is for messages (never with a password).
func openDeadLetterQueue(ctx context.Context, db string) (deadLetterQueue, string, error) {
	db = strings.TrimSpace(db)
	quiet := riverjobs.WithRiverConfig(func(cfg *river.Config) {
		// River's own Info logs would interleave with the command's output.
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	})
	switch {
	case db == "":
		return nil, "", usageErrorf("--db is required: sqlite:PATH or postgres://…")
	case strings.HasPrefix(db, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(db, "sqlite:"), "//")
		if path == "" {
			return nil, "", usageErrorf("--db %q has no path: write sqlite:PATH, such as sqlite:webhooks.db", db)
		}
		where := "the SQLite file " + path
		switch info, err := os.Stat(path); {
		case errors.Is(err, fs.ErrNotExist):
			return nil, "", fmt.Errorf("%s does not exist: give the file the application opens with sqlitejobs.Open (nothing was created)", path)
		case err != nil:
			return nil, "", fmt.Errorf("%s: %w", path, err)
		case info.IsDir():
			return nil, "", fmt.Errorf("%s is a directory: give the database file in it", path)
		}
		sqlDB, err := sqlitejobs.OpenDB(ctx, path)
		if err != nil {
			return nil, "", err // names the path and the cause
		}
		q, err := riverjobs.Open(ctx, riversqlite.New(sqlDB), riverjobs.WithoutMigrations(), riverjobs.WithCloser(sqlDB), quiet)
		if err != nil {
			_ = sqlDB.Close()
			return nil, "", explainQueueError(where, err)
		}
		return q, where, nil
	case strings.HasPrefix(db, "postgres://"), strings.HasPrefix(db, "postgresql://"):
		u, err := url.Parse(db)
		if err != nil {
			return nil, "", usageErrorf("--db is not a valid PostgreSQL URL (postgres://user:password@host:5432/db)")
		}
		where := "PostgreSQL at " + u.Redacted()
		cfg, err := pgxpool.ParseConfig(db)
		if err != nil {
			return nil, "", usageErrorf("--db is not a valid PostgreSQL URL: %v", err)
		}
		cfg.MaxConns = 2
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", where, err)
		}
		if err := pool.Ping(ctx); err != nil {
			pool.Close()
			return nil, "", fmt.Errorf("cannot reach %s: %w", where, err)
		}
		q, err := riverjobs.Open(ctx, riverpgxv5.New(pool), riverjobs.WithoutMigrations(), riverjobs.WithCloser(poolCloser{pool}), quiet)
		if err != nil {
			pool.Close()
			return nil, "", explainQueueError(where, err)
		}
		return q, where, nil
	default:
		return nil, "", usageErrorf("--db %q: want sqlite:PATH or postgres://user:password@host:5432/db", redactURL(db))
	}
}

// poolCloser closes a pgx pool as an io.Closer.
type poolCloser struct{ pool *pgxpool.Pool }

func (p poolCloser) Close() error {
	p.pool.Close()
	return nil
}

// redactURL hides the password of anything that parses as a URL with one.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

// explainQueueError says plainly what River's missing tables mean: a database that is
// not (yet) the application's queue.
func explainQueueError(where string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "no such table") || strings.Contains(msg, "does not exist (SQLSTATE 42P01)") ||
		strings.Contains(msg, "42P01") {
		return fmt.Errorf("%s has no River tables: is it the application's queue database, and has the application started once (it runs River's migrations)? (%w)", where, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}
