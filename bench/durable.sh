#!/usr/bin/env bash
# Runs cmd/durable against scratch servers it starts and stops itself: a PostgreSQL
# (initdb into a temporary directory; fsync and synchronous_commit on, as by default)
# and a Redis with an append-only file fsynced on every write (appendfsync always), so
# that each of the three backends answers a delivery only once its job is on disk.
# Needs initdb/postgres (on PATH or in /usr/lib/postgresql/*/bin) and redis-server; as
# root, PostgreSQL runs as the postgres user. Extra arguments go to cmd/durable.
#
#   ./durable.sh                          # 20000 deliveries per backend, 32 senders
#   ./durable.sh -requests 5000 -work     # quicker, with workers running
set -euo pipefail
cd "$(dirname "$0")"

pgbin=$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")")
tmp=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
as_pg=()
if [ "$(id -u)" = 0 ]; then
	chown postgres "$tmp"
	as_pg=(runuser -u postgres --)
fi
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

pgport=$(free_port)
"${as_pg[@]}" "$pgbin/initdb" -D "$tmp/pg" -U postgres -A trust -E UTF8 --locale=C >/dev/null
"${as_pg[@]}" "$pgbin/postgres" -D "$tmp/pg" -c listen_addresses=127.0.0.1 -c port="$pgport" \
	-c unix_socket_directories="$tmp" -c max_connections=100 >"$tmp/pg.log" 2>&1 &
pids+=($!)

redisport=$(free_port)
mkdir -p "$tmp/redis" && chmod 777 "$tmp/redis"
redis-server --port "$redisport" --bind 127.0.0.1 --dir "$tmp/redis" --save '' \
	--appendonly yes --appendfsync always >"$tmp/redis.log" 2>&1 &
pids+=($!)

for _ in $(seq 100); do
	if "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$pgport" 2>/dev/null && redis-cli -p "$redisport" ping >/dev/null 2>&1; then
		break
	fi
	sleep 0.2
done
"$pgbin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -c 'CREATE DATABASE bench' postgres

echo "postgres: fsync=$("$pgbin/psql" -tA -h 127.0.0.1 -p "$pgport" -U postgres -c 'SHOW fsync' bench), synchronous_commit=$("$pgbin/psql" -tA -h 127.0.0.1 -p "$pgport" -U postgres -c 'SHOW synchronous_commit' bench); redis: appendfsync=$(redis-cli -p "$redisport" config get appendfsync | tail -1)" >&2
go run ./cmd/durable -postgres "postgres://postgres@127.0.0.1:$pgport/bench?sslmode=disable" \
	-redis "redis://127.0.0.1:$redisport/0" "$@"
