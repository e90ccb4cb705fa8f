#!/usr/bin/env bash
# The whole test run, from a fresh clone: install, lint, then the suite on SQLite and on a real
# PostgreSQL server (started here, stopped at the end). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test

echo "== ruff"
.venv/bin/ruff check antena tests bench migrations scripts

PG_VERSION=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
PG_STARTED=""
stop_pg() {
  if [ -n "$PG_STARTED" ]; then pg_ctlcluster "$PG_VERSION" main stop >/dev/null 2>&1 || true; fi
}
trap stop_pg EXIT

run_pytest() {
  set +e
  .venv/bin/pytest "$@"
  local rc=$?
  set -e
  if [ $rc -eq 5 ]; then echo "pytest collected no tests: that is a failure"; return 1; fi
  return $rc
}

echo "== tests on SQLite"
ANTENA_DATABASE_URL="" run_pytest -q -p no:cacheprovider tests

echo "== tests on PostgreSQL $PG_VERSION"
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$PG_VERSION main"; then
  pg_createcluster "$PG_VERSION" main >/dev/null
fi
if ! pg_lsclusters -h | grep -q "^$PG_VERSION main .* online"; then
  pg_ctlcluster "$PG_VERSION" main start
  PG_STARTED=1
fi
su postgres -c "psql -q -v ON_ERROR_STOP=1" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'antena') THEN
    CREATE ROLE antena LOGIN PASSWORD 'antena';
  END IF;
END $$;
SQL
su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='antena_test'\"" | grep -q 1 \
  || su postgres -c "createdb -O antena antena_test"
ANTENA_DATABASE_URL="postgresql+asyncpg://antena:antena@127.0.0.1:5432/antena_test" \
  run_pytest -q -p no:cacheprovider -m "not sqlite_only" tests
echo "== all tests passed"
