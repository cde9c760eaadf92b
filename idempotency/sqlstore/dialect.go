package sqlstore

import (
	"fmt"
	"strings"
)

// dialect is what differs between the databases: how a statement says "now" on the
// database's own clock, and how it numbers its parameters. The statements themselves
// (INSERT … ON CONFLICT … DO UPDATE … RETURNING, UPDATE, DELETE) are the same SQL on
// PostgreSQL and on SQLite 3.35 or later.
type dialect struct {
	name string
	// nowMillis is an expression for the database's current time in Unix milliseconds.
	// The database's clock, not the caller's, so that replicas whose clocks disagree
	// still agree on when a lease ends, as they do with Redis.
	nowMillis string
	// param turns the parameter $n into the dialect's form.
	param func(n int) string
}

var postgres = dialect{
	name: "PostgreSQL",
	// now() is the start of the statement's own transaction: the store never opens one
	// of its own, so it is the statement's time.
	nowMillis: "(EXTRACT(EPOCH FROM now()) * 1000)::BIGINT",
	param:     func(n int) string { return fmt.Sprintf("$%d", n) },
}

var sqlite = dialect{
	name: "SQLite",
	// julianday rather than unixepoch('subsec'), which needs SQLite 3.42: any driver's
	// SQLite 3.35 or later will do. 'now' is the same throughout one statement.
	nowMillis: "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)",
	// ?NNN is SQLite's own numbered parameter, which every driver binds by position.
	param: func(n int) string { return fmt.Sprintf("?%d", n) },
}

// statements are the store's SQL for one dialect and table.
type statements struct {
	create  []string
	begin   string
	extend  string
	finish  string
	abandon string
	state   string
	sweep   string
}

// build writes the statements for table, a name validTable accepted. In the templates,
// {t} is the quoted table, {now} the current time in milliseconds and $n parameter n.
func (d dialect) build(table string) statements {
	quoted := `"` + table + `"`
	r := strings.NewReplacer(
		"{t}", quoted,
		"{idx}", `"`+table+`_expires_at"`,
		"{now}", d.nowMillis,
		"$1", d.param(1), "$2", d.param(2), "$3", d.param(3),
	)
	return statements{
		create: []string{
			r.Replace(`CREATE TABLE IF NOT EXISTS {t} (
	webhook_id TEXT PRIMARY KEY,
	token      TEXT NOT NULL,
	done       BOOLEAN NOT NULL,
	expires_at BIGINT NOT NULL
)`),
			r.Replace(`CREATE INDEX IF NOT EXISTS {idx} ON {t} (expires_at)`),
		},
		// A live row is left as it is (the CASEs keep every column), an expired one is
		// taken over, and either way RETURNING answers with the row as it now is: the
		// caller's token means Claimed, done means Done, anything else InFlight. Always
		// updating, rather than DO NOTHING, is what makes the answer come back from this
		// one statement, without a second read that could race.
		begin: r.Replace(`INSERT INTO {t} AS cur (webhook_id, token, done, expires_at)
VALUES ($1, $2, false, {now} + $3)
ON CONFLICT (webhook_id) DO UPDATE SET
	token      = CASE WHEN cur.expires_at <= {now} THEN excluded.token ELSE cur.token END,
	done       = CASE WHEN cur.expires_at <= {now} THEN false ELSE cur.done END,
	expires_at = CASE WHEN cur.expires_at <= {now} THEN excluded.expires_at ELSE cur.expires_at END
RETURNING token, done`),
		extend: r.Replace(`UPDATE {t} SET expires_at = {now} + $3
WHERE webhook_id = $1 AND token = $2 AND NOT done AND expires_at > {now}`),
		finish: r.Replace(`UPDATE {t} SET done = true, expires_at = {now} + $3
WHERE webhook_id = $1 AND token = $2 AND NOT done AND expires_at > {now}`),
		abandon: r.Replace(`DELETE FROM {t}
WHERE webhook_id = $1 AND token = $2 AND NOT done AND expires_at > {now}`),
		// Only to explain an ErrNotHeld: the answer may be a moment old.
		state: r.Replace(`SELECT token, done, expires_at > {now} FROM {t} WHERE webhook_id = $1`),
		// The expiry is checked on the row being deleted, so that a row claimed again
		// meanwhile is kept.
		sweep: r.Replace(`DELETE FROM {t} WHERE expires_at <= {now}`),
	}
}
