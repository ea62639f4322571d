#!/usr/bin/env bash
# Install everything (first time), then lint and run the whole test suite, browser tests included.
# Extra arguments go to pytest, e.g. scripts/test.sh -k validation
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev

if ! command -v chromium >/dev/null; then
  # Playwright drives Debian's chromium: its own browser download is not reachable here.
  echo "installing Debian's chromium for the browser tests..."
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi
fi

# PostgreSQL: the data and CLI tests run against a real server as well as SQLite. Under CI (or with
# CREWCAST_TEST_POSTGRES=1) this script starts one of its own, unless CREWCAST_TEST_POSTGRES_URL
# names a server already: Debian's postgresql package (installed if missing), a throwaway cluster in
# a temporary folder, listening on 127.0.0.1 only, on a free port, stopped and removed on exit
# (failures and Ctrl-C too). The tests log in as a role that owns a database of its own and may
# create roles (for the test that runs the app as a role not owning the tables).
pg_dir=
stop_postgres() {
  if [ -n "$pg_dir" ] && [ -d "$pg_dir" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
as_pg() {  # initdb and postgres refuse to run as root: run them as Debian's postgres user
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
start_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$pg_bin" ]; then
    echo "installing Debian's postgresql for the PostgreSQL tests..."
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql; else
      sudo apt-get update -qq && sudo apt-get install -y -qq postgresql; fi
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  pg_dir=$(mktemp -d /tmp/crewcast-pg.XXXXXX)
  trap stop_postgres EXIT
  [ "$(id -u)" = 0 ] && chown postgres: "$pg_dir"
  local port password
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" || { cat "$pg_dir/initdb.log" >&2; return 1; }
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $port -k $pg_dir -c fsync=off -c full_page_writes=off" start \
    >/dev/null || { cat "$pg_dir/server.log" >&2; return 1; }
  # The statements go in on standard input (printf is a shell builtin): on psql's command line
  # the role's password would be readable by every local user in `ps` while it runs.
  printf "CREATE ROLE crewcast_test LOGIN CREATEROLE PASSWORD '%s';\nCREATE DATABASE crewcast_test OWNER crewcast_test;\n" \
    "$password" | as_pg "$pg_bin/psql" -X -q -h "$pg_dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1
  export CREWCAST_TEST_POSTGRES_URL="postgresql+psycopg://crewcast_test:$password@127.0.0.1:$port/crewcast_test"
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port for the tests"
}
ci=$(echo "${CI:-}" | tr '[:upper:]' '[:lower:]')
if [ -z "${CREWCAST_TEST_POSTGRES_URL:-}" ]; then
  if [ "${CREWCAST_TEST_POSTGRES:-}" = 1 ] || { [ -n "$ci" ] && [ "$ci" != false ] && [ "$ci" != 0 ]; }; then
    start_postgres
  fi
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache  # the import direction contract in pyproject.toml
# pytest exits 5 when it collected no tests: that is a failure here too, as is any other non-zero.
.venv/bin/python -m pytest "$@"
