#!/usr/bin/env bash
# Make sure a local PostgreSQL server runs with the role antena/antena (CREATEDB: the tests give
# each pytest-xdist worker a database of its own) and the databases named as arguments, owned by
# it. Used by .ci/run (antena_test) and by `python -m bench` (antena_bench). Prints "started" when
# it started the server (so the caller may stop it), nothing when it was already running.
# Needs Debian's postgresql package and root (the server itself runs as the postgres user).
set -euo pipefail
PG_VERSION=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
if [ -z "$PG_VERSION" ]; then
  echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$PG_VERSION main"; then
  pg_createcluster "$PG_VERSION" main >/dev/null
fi
if ! pg_lsclusters -h | grep -q "^$PG_VERSION main .* online"; then
  pg_ctlcluster "$PG_VERSION" main start >&2
  echo started
fi
su postgres -c "psql -q -v ON_ERROR_STOP=1" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'antena') THEN
    CREATE ROLE antena LOGIN PASSWORD 'antena';
  END IF;
END $$;
ALTER ROLE antena CREATEDB;
SQL
for db in "$@"; do
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='$db'\"" | grep -q 1 \
    || su postgres -c "createdb -O antena $db"
done
