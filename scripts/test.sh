#!/usr/bin/env bash
# `make test`: set everything up, then unit + integration tests (real PostgreSQL) and browser
# end-to-end tests (Debian's Chromium). Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

scripts/toolchain.sh --test
# Leave the database as we found it.
use_database
maildev_pid="" redis_pid=""
trap 'kill $maildev_pid $redis_pid 2>/dev/null; stop_database_if_started' EXIT

# A real SMTP server for the email tests: maildev captures what it receives and lists it as JSON.
export MAILDEV_SMTP_PORT="${MAILDEV_SMTP_PORT:-2525}" MAILDEV_WEB_PORT="${MAILDEV_WEB_PORT:-2580}"
for port in "$MAILDEV_SMTP_PORT" "$MAILDEV_WEB_PORT"; do
  port_in_use "127.0.0.1:$port" && { echo "error: port $port is in use; set MAILDEV_SMTP_PORT / MAILDEV_WEB_PORT" >&2; exit 1; }
done
end2end/node_modules/.bin/maildev --smtp "$MAILDEV_SMTP_PORT" --web "$MAILDEV_WEB_PORT" \
  --ip 127.0.0.1 --web-ip 127.0.0.1 --silent >/dev/null 2>&1 &
maildev_pid=$!
for _ in $(seq 1 50); do port_in_use "127.0.0.1:$MAILDEV_WEB_PORT" && break; sleep 0.2; done

# A real Redis for the shared rate limit tests: memory only, loopback only.
REDIS_TEST_PORT="${REDIS_TEST_PORT:-6390}"
port_in_use "127.0.0.1:$REDIS_TEST_PORT" && { echo "error: port $REDIS_TEST_PORT is in use; set REDIS_TEST_PORT" >&2; exit 1; }
redis-server --bind 127.0.0.1 --port "$REDIS_TEST_PORT" --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
redis_pid=$!
export REDIS_URL="redis://127.0.0.1:$REDIS_TEST_PORT"
for _ in $(seq 1 50); do port_in_use "127.0.0.1:$REDIS_TEST_PORT" && break; sleep 0.2; done

echo "== unit and integration tests"
RUSTFLAGS="$TEST_RUSTFLAGS" cargo test --workspace --features ssr

echo "== browser end-to-end tests"
cargo leptos build
E2E_PORT="${E2E_PORT:-3100}"
if port_in_use "127.0.0.1:$E2E_PORT"; then
  echo "error: port $E2E_PORT is in use; set E2E_PORT to a free port" >&2
  exit 1
fi
# The browser tests use the binary too, to send a test email into the e2e server's database.
export AUDIOTRICKS_BIN="$SERVER_BIN" E2E_DATABASE_URL="${DATABASE_URL%/*}/audiotricks_e2e" \
  E2E_APP_DATABASE_URL="${APP_DATABASE_URL%/*}/audiotricks_e2e"
(cd end2end && E2E_PORT="$E2E_PORT" npx playwright test)
