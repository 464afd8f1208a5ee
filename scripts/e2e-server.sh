#!/usr/bin/env bash
# Started by Playwright (end2end/playwright.config.ts): the built server on its own port, against
# a database created fresh for this run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
E2E_DB="audiotricks_e2e"
OWNER_URL="$(scripts/postgres.sh owner-url)"
APP_URL="$(scripts/postgres.sh app-url)"
"$(scripts/postgres.sh bin)/psql" -X -q -v ON_ERROR_STOP=1 "$OWNER_URL" \
  -c "drop database if exists $E2E_DB with (force)" -c "create database $E2E_DB"
export DATABASE_URL="${OWNER_URL%/*}/$E2E_DB" APP_DATABASE_URL="${APP_URL%/*}/$E2E_DB"
export LEPTOS_SITE_ADDR="127.0.0.1:${E2E_PORT:-3100}" PUBLIC_URL="http://127.0.0.1:${E2E_PORT:-3100}"
exec "$SERVER_BIN" serve
