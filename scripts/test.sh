#!/usr/bin/env bash
# `make test`: set everything up, then unit + integration tests (real PostgreSQL) and browser
# end-to-end tests (Debian's Chromium). Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

scripts/toolchain.sh --test
# Leave the database as we found it.
use_database
trap stop_database_if_started EXIT

echo "== unit and integration tests"
RUSTFLAGS="$TEST_RUSTFLAGS" cargo test --workspace --features ssr

echo "== browser end-to-end tests"
cargo leptos build
E2E_PORT="${E2E_PORT:-3100}"
if port_in_use "127.0.0.1:$E2E_PORT"; then
  echo "error: port $E2E_PORT is in use; set E2E_PORT to a free port" >&2
  exit 1
fi
(cd end2end && E2E_PORT="$E2E_PORT" npx playwright test)
