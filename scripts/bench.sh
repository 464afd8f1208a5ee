#!/usr/bin/env bash
# `make bench`: release builds of AudioTricks and of a bare axum handler, loaded by wrk in the
# same run; prints requests/s, p50, p99 and the ratio to the bare handler. Numbers, not asserts.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
DURATION="${BENCH_SECONDS:-8}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
APP_ADDR="127.0.0.1:${BENCH_PORT:-3200}"
BARE_ADDR="127.0.0.1:$(( ${BENCH_PORT:-3200} + 1 ))"

scripts/toolchain.sh --bench
use_database
trap stop_database_if_started EXIT
for addr in "$APP_ADDR" "$BARE_ADDR"; do
  port_in_use "$addr" && { echo "error: $addr is in use; set BENCH_PORT" >&2; exit 1; }
done

echo "== release builds"
cargo leptos build --release
cargo build --release -p app --features ssr --example bare_axum

use_fresh_database audiotricks_bench

RUST_LOG=warn LEPTOS_SITE_ADDR="$APP_ADDR" "$CARGO_TARGET_DIR/release/audiotricks" serve >/tmp/audiotricks-bench.log 2>&1 &
app_pid=$!
"$CARGO_TARGET_DIR/release/examples/bare_axum" "$BARE_ADDR" &
bare_pid=$!
trap 'kill $app_pid $bare_pid 2>/dev/null || true; wait 2>/dev/null; stop_database_if_started' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://$APP_ADDR/readyz" >/dev/null 2>&1 && curl -fs "http://$BARE_ADDR/" >/dev/null 2>&1 && break
  sleep 0.2
done

# wrk prints "Requests/sec: N" and, with --latency, lines like "50%  1.23ms".
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}'; }
measure() {
  local out; out="$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$1")"
  RPS="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")"
  P50="$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)"
  P99="$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)"
}

echo "== load: wrk, 2 threads, $CONNECTIONS connections, ${DURATION}s each, on $(nproc) cores"
measure "http://$BARE_ADDR/"; base_rps=$RPS
printf '\n| %-28s | %10s | %8s | %8s | %9s |\n' "endpoint" "req/s" "p50 ms" "p99 ms" "vs bare"
printf '|%s|%s|%s|%s|%s|\n' "------------------------------" "------------" "----------" "----------" "-----------"
printf '| %-28s | %10s | %8s | %8s | %9s |\n' "bare axum handler (baseline)" "$RPS" "$P50" "$P99" "1.00"
for path in /healthz /; do
  measure "http://$APP_ADDR$path"
  ratio="$(awk -v a="$RPS" -v b="$base_rps" 'BEGIN {printf "%.2f", a/b}')"
  label="GET $path"; [ "$path" = / ] && label="GET / (landing page, SSR)"
  printf '| %-28s | %10s | %8s | %8s | %9s |\n' "$label" "$RPS" "$P50" "$P99" "$ratio"
done
echo
