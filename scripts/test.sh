#!/usr/bin/env bash
# `make test`: set everything up, then unit + integration tests (real PostgreSQL) and browser
# end-to-end tests (Debian's Chromium). Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
ensure_disk_space

scripts/toolchain.sh --test
maildev_pid="" redis_pid="" s3_pid="" s3_proxy_pid="" S3_DIR=""
trap 'kill $maildev_pid $redis_pid $s3_pid $s3_proxy_pid 2>/dev/null; [ -z "$S3_DIR" ] || rm -rf "$S3_DIR"; stop_database_if_started' EXIT
# Leave the database as we found it.
use_database

# Waits until PORT answers; fails, with the service's log, if its process PID exits or 10 s pass.
await_service() {
  local name="$1" pid="$2" log="$3"; shift 3
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || { echo "error: $name exited:" >&2; cat "$log" >&2; exit 1; }
    local ready=1
    for port in "$@"; do port_in_use "127.0.0.1:$port" || ready=""; done
    [ -n "$ready" ] && return 0
    sleep 0.2
  done
  echo "error: $name did not start within 10 s:" >&2; cat "$log" >&2; exit 1
}
LOGS="$(mktemp -d)"

# A real SMTP server for the email tests: maildev captures what it receives and lists it as JSON.
export MAILDEV_SMTP_PORT="${MAILDEV_SMTP_PORT:-2525}" MAILDEV_WEB_PORT="${MAILDEV_WEB_PORT:-2580}"
# A real Redis for the shared rate limit tests: memory only, loopback only.
REDIS_TEST_PORT="${REDIS_TEST_PORT:-6390}"
for port in "$MAILDEV_SMTP_PORT" "$MAILDEV_WEB_PORT" "$REDIS_TEST_PORT"; do
  port_in_use "127.0.0.1:$port" && { echo "error: port $port is in use; set MAILDEV_SMTP_PORT, MAILDEV_WEB_PORT or REDIS_TEST_PORT" >&2; exit 1; }
done
end2end/node_modules/.bin/maildev --smtp "$MAILDEV_SMTP_PORT" --web "$MAILDEV_WEB_PORT" \
  --ip 127.0.0.1 --web-ip 127.0.0.1 --silent >"$LOGS/maildev.log" 2>&1 &
maildev_pid=$!
redis-server --bind 127.0.0.1 --port "$REDIS_TEST_PORT" --save '' --appendonly no --daemonize no >"$LOGS/redis.log" 2>&1 &
redis_pid=$!
export REDIS_URL="redis://127.0.0.1:$REDIS_TEST_PORT"
# A real S3 API for the storage tests: s3s-fs (checks SigV4 signatures and expiry) behind a small
# proxy that adds the CORS headers browsers need (s3s-fs has none).
S3_TEST_PORT="${S3_TEST_PORT:-9390}" S3_PROXY_PORT="${S3_PROXY_PORT:-9391}"
E2E_S3_PORT="${E2E_S3_PORT:-3101}"
for port in "$S3_TEST_PORT" "$S3_PROXY_PORT"; do
  port_in_use "127.0.0.1:$port" && { echo "error: port $port is in use; set S3_TEST_PORT or S3_PROXY_PORT" >&2; exit 1; }
done
S3_DIR="$(mktemp -d)"
export S3_TEST_ACCESS_KEY="audiotricks-test" S3_TEST_SECRET_KEY="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
s3s-fs --host 127.0.0.1 --port "$S3_TEST_PORT" --access-key "$S3_TEST_ACCESS_KEY" --secret-key "$S3_TEST_SECRET_KEY" \
  "$S3_DIR" >"$LOGS/s3s.log" 2>&1 &
s3_pid=$!
node scripts/s3-cors-proxy.mjs "$S3_PROXY_PORT" "$S3_TEST_PORT" "http://127.0.0.1:$E2E_S3_PORT" >"$LOGS/s3-proxy.log" 2>&1 &
s3_proxy_pid=$!
export S3_TEST_ENDPOINT="http://127.0.0.1:$S3_PROXY_PORT" S3_TEST_DIRECT_ENDPOINT="http://127.0.0.1:$S3_TEST_PORT" E2E_S3_PORT
await_service maildev "$maildev_pid" "$LOGS/maildev.log" "$MAILDEV_SMTP_PORT" "$MAILDEV_WEB_PORT"
await_service s3s-fs "$s3_pid" "$LOGS/s3s.log" "$S3_TEST_PORT"
await_service s3-cors-proxy "$s3_proxy_pid" "$LOGS/s3-proxy.log" "$S3_PROXY_PORT"
await_service redis-server "$redis_pid" "$LOGS/redis.log" "$REDIS_TEST_PORT"

echo "== unit and integration tests"
# One test at a time: each test has its own tokio runtime, and two runtimes rendering pages at
# once can leave a render waiting forever (Leptos' server rendering keeps process-wide state; one
# server process has one runtime, so only tests meet this). Seen as a hang of the whole run.
RUSTFLAGS="$TEST_RUSTFLAGS" RUST_TEST_THREADS=1 cargo test --workspace --features ssr

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
