#!/usr/bin/env bash
# `make run`: set everything up, build, and serve on http://127.0.0.1:3000 until Ctrl-C.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
ensure_disk_space
ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"

scripts/toolchain.sh
use_database
use_master_key
trap stop_database_if_started EXIT
cargo leptos build
if port_in_use "$ADDR"; then
  echo "error: $ADDR is already in use by another program. Stop it, or run: LEPTOS_SITE_ADDR=127.0.0.1:3005 make run" >&2
  exit 1
fi

LEPTOS_SITE_ADDR="$ADDR" PUBLIC_URL="${PUBLIC_URL:-http://$ADDR}" "$SERVER_BIN" serve &
server=$!
# Ctrl-C reaches the server too; this only makes sure we wait for it before the EXIT trap stops
# the database (when this run started it).
trap 'kill -TERM "$server" 2>/dev/null || true' INT TERM
status=0
wait "$server" || status=$?
if kill -0 "$server" 2>/dev/null; then wait "$server" || status=$?; fi
exit "$status"
