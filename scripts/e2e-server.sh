#!/usr/bin/env bash
# Started by Playwright (end2end/playwright.config.ts): the built server on its own port, against
# a database created fresh for this run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
# scripts/test.sh passes the database; when Playwright is run by hand, use the local one.
[ -n "${DATABASE_URL:-}" ] || use_database
use_fresh_database "${E2E_DATABASE:-audiotricks_e2e}"
# Its files start empty with its database, so runs don't pile up uploads nothing refers to.
export STORAGE_DIR="$ROOT/.data/e2e-objects/${E2E_DATABASE:-audiotricks_e2e}"
rm -rf "$STORAGE_DIR"
use_master_key
export LEPTOS_SITE_ADDR="127.0.0.1:${E2E_PORT:-3100}" PUBLIC_URL="http://127.0.0.1:${E2E_PORT:-3100}"
exec "$SERVER_BIN" serve
