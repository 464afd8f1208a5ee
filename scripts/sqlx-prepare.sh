#!/usr/bin/env bash
# Regenerates .sqlx/ (the offline query data that lets builds run without a database): applies
# migrations/ to a scratch database, then re-expands every query! macro against it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/postgres.sh ensure
OWNER_URL="$(scripts/postgres.sh owner-url)"
SCRATCH="at_sqlx_prepare"
BASE_URL="${OWNER_URL%/*}"
psql() { "$(scripts/postgres.sh bin)/psql" "$@"; }
psql -X -q -v ON_ERROR_STOP=1 "$OWNER_URL" -c "drop database if exists $SCRATCH with (force)" -c "create database $SCRATCH"
psql -X -q -v ON_ERROR_STOP=1 "$BASE_URL/$SCRATCH" <<'SQL'
create table _sqlx_migrations (
    version bigint primary key, description text not null, installed_on timestamptz not null default now(),
    success boolean not null, checksum bytea not null, execution_time bigint not null
);
SQL
for f in migrations/*.sql; do
  psql -X -q -v ON_ERROR_STOP=1 "$BASE_URL/$SCRATCH" -f "$f" >/dev/null
done
rm -rf .sqlx && mkdir -p .sqlx
find app/src app/tests -name '*.rs' -exec touch {} +
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$ROOT/.sqlx" DATABASE_URL="$BASE_URL/$SCRATCH" \
  cargo check -p app --features ssr --tests --quiet ${CARGO_JOBS:+-j $CARGO_JOBS}
echo "wrote $(ls .sqlx | wc -l) query files to .sqlx/"
