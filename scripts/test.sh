#!/usr/bin/env bash
# Runs the test suite: starts a throwaway PostgreSQL server for the library tests, then pytest.
# Live tests start their own Xvfb. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PGDIR=$(mktemp -d /tmp/bottomup-pg.XXXXXX)
cleanup() {
  if [ -n "${PGBIN:-}" ] && [ -f "$PGDIR/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PGDIR"
}
trap cleanup EXIT

if [ -z "${BOTTOMUP_TEST_PG_DSN:-}" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
   && [ "$(id -u)" = "0" ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PGPORT=${BOTTOMUP_TEST_PG_PORT:-55432}
  chown postgres "$PGDIR"
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
    -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null
  export BOTTOMUP_TEST_PG_DSN="postgresql://postgres@127.0.0.1:$PGPORT/postgres"
  echo "test: PostgreSQL at $BOTTOMUP_TEST_PG_DSN"
fi

PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
"$PY" -m ruff check agent skills games tests bench scripts
"$PY" -m ruff format --check --quiet agent skills games tests bench scripts
"$PY" -m pytest -q -p no:cacheprovider "$@"
