#!/usr/bin/env bash
# `make bench`: Levqor side by side with the peer stack (Flask + Gunicorn + RQ) on this machine.
# Installs what it needs when missing (Debian packages), builds the jar, then runs bench/bench.py,
# which starts a throw-away Postgres, a redis-server, the Flask peer and Levqor on free loopback
# ports, measures, and stops every process it started. Results: target/bench/<UTC time>/results.md.
# Knobs (env): see the header of bench/bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3
PKGS="python3-flask gunicorn python3-rq python3-redis python3-psycopg2 redis-server postgresql wrk"
TOOLS="wrk redis-server gunicorn"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
# Only the backup section (BENCH_SECTIONS=backup): Postgres 15 is all it needs, not the peer's stack.
if [ "${BENCH_SECTIONS:-}" = "backup" ]; then
  PKGS="postgresql-15 postgresql-client-15"
  TOOLS=""
fi

missing() {
  local m=""
  for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || m="$m $p"; done
  echo "$m"
}

if ! command -v dpkg >/dev/null 2>&1; then
  echo "bench: not a Debian system; install by hand: $PKGS" >&2
  exit 1
fi
need="$(missing)"
if [ -n "$need" ]; then
  echo "bench: installing missing Debian packages:$need"
  if [ "$(id -u)" -ne 0 ]; then
    echo "bench: not root; install them first: sudo apt-get install -y$need" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q $need; then
    apt-get update -q && apt-get install -y -q $need || {
      echo "bench: could not install:$need — run: apt-get update && apt-get install -y $PKGS" >&2
      exit 1
    }
  fi
fi
for tool in $TOOLS "$PG_BIN/initdb" "$PG_BIN/pg_ctl" "$PG_BIN/psql" "$PG_BIN/pg_dump" java; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "bench: '$tool' not found after install; needed packages: $PKGS (and a JDK 17)" >&2
    exit 1
  }
done
[ -z "$TOOLS" ] || "$PY" -c 'import flask, rq, redis, psycopg2' 2>/dev/null || {
  echo "bench: $PY cannot import flask/rq/redis/psycopg2; apt-get install -y python3-flask python3-rq python3-redis python3-psycopg2" >&2
  exit 1
}

make jar

# bench.py stops what it started; this trap is the safety net for anything left in its pid file
# (process groups it created), e.g. when bench.py itself was killed with SIGKILL.
PIDFILE="$(mktemp /tmp/levqor-bench-pids.XXXXXX)"
cleanup() {
  # lines: "group <pgid>" (a process group bench.py created) or "pgdata <dir>" (a Postgres data dir)
  local kind arg pid
  while read -r kind arg; do
    case "$kind" in
      group) kill -TERM -- "-$arg" 2>/dev/null || true ;;
      pgdata) pid="$(head -1 "$arg/postmaster.pid" 2>/dev/null || true)"
              [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null || true ;;
    esac
  done < "$PIDFILE"
  sleep 2
  while read -r kind arg; do
    [ "$kind" = group ] && { kill -KILL -- "-$arg" 2>/dev/null || true; }
  done < "$PIDFILE"
  rm -f "$PIDFILE"
}
trap cleanup EXIT

# bench.py runs in the background so that a signal reaches this script at once; it is forwarded, and
# bench.py stops what it started before the exit trap sweeps up.
BENCH_PIDFILE="$PIDFILE" "$PY" bench/bench.py "$@" &
BENCH_PY=$!
trap 'kill -TERM "$BENCH_PY" 2>/dev/null; wait "$BENCH_PY"; exit 143' TERM
trap 'kill -INT "$BENCH_PY" 2>/dev/null; wait "$BENCH_PY"; exit 130' INT
wait "$BENCH_PY"
