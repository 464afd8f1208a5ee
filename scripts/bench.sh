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

# Both local models, for the engine's real-time factor on each.
WHISPER_MODEL=base scripts/toolchain.sh --bench
use_database
trap stop_database_if_started EXIT
for addr in "$APP_ADDR" "$BARE_ADDR" "127.0.0.1:$(( ${BENCH_PORT:-3200} + 2 ))" "127.0.0.1:$(( ${BENCH_PORT:-3200} + 3 ))"; do
  port_in_use "$addr" && { echo "error: $addr is in use; set BENCH_PORT" >&2; exit 1; }
done

echo "== release builds"
cargo leptos build --release
cargo build --release -p app --features ssr --example bare_axum --example password_hash --example transcription_bench

use_fresh_database audiotricks_bench

# Sign-in limits are lifted so the load measures the work, not the limiter answering 429.
RUST_LOG=warn LEPTOS_SITE_ADDR="$APP_ADDR" PUBLIC_URL="http://$APP_ADDR" AUTH_ATTEMPTS_PER_IP=1000000 \
  RATE_LIMIT_PER_MINUTE=1000000 "$CARGO_TARGET_DIR/release/audiotricks" serve >/tmp/audiotricks-bench.log 2>&1 &
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

# A confirmed account for the sign-in and upload measurements.
BENCH_PASSWORD="violet tractor under 42 lanterns"
ADMIN_PASSWORD="$BENCH_PASSWORD" RUST_LOG=warn "$CARGO_TARGET_DIR/release/audiotricks" admin create \
  --email bench@example.com --name Bench >/dev/null

# BENCH_ONLY=uploads or BENCH_ONLY=transcription runs that section alone.
if [ -z "${BENCH_ONLY:-}" ]; then
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

# Sign-in: wrk posting the log-in form as the browser does.
login_lua="$(mktemp --suffix .lua)"
cat >"$login_lua" <<LUA
wrk.method = "POST"
wrk.body = "email=bench%40example.com&password=violet+tractor+under+42+lanterns"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Origin"] = "http://$APP_ADDR"
LUA
login_out="$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$login_lua" "http://$APP_ADDR/api/account/log-in")"
rm -f "$login_lua"
RPS="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$login_out")"
P50="$(awk '$1=="50%" {print $2}' <<<"$login_out" | to_ms)"
P99="$(awk '$1=="99%" {print $2}' <<<"$login_out" | to_ms)"
ratio="$(awk -v a="$RPS" -v b="$base_rps" 'BEGIN {printf "%.4f", a/b}')"
printf '| %-28s | %10s | %8s | %8s | %9s |\n' "POST log-in (argon2id)" "$RPS" "$P50" "$P99" "$ratio"
non_ok="$(awk '/Non-2xx/ {print $NF}' <<<"$login_out")"
[ -z "$non_ok" ] || echo "warning: $non_ok log-in responses were not 200"
echo

# Timing must not tell a wrong password from an unknown address: median of 4 sequential answers
# each (4 stays under the per-address lock).
answer_ms() {
  curl -s -o /dev/null -w '%{time_total}\n' -X POST "http://$APP_ADDR/api/account/log-in" \
    -H "Origin: http://$APP_ADDR" -H 'Accept: application/json' \
    --data-urlencode "email=$1" --data-urlencode "password=not the right password"
}
median_ms() { sort -n | awk '{a[NR]=$1} END {printf "%.1f", (a[2]+a[3])/2*1000}'; }
wrong="$(for _ in 1 2 3 4; do answer_ms bench@example.com; done | median_ms)"
unknown="$(for n in 1 2 3 4; do answer_ms "nobody$n@example.com"; done | median_ms)"
per_hash="$("$CARGO_TARGET_DIR/release/examples/password_hash")"
printf '| %-44s | %8s |\n' "measure" "ms"
printf '|%s|%s|\n' "----------------------------------------------" "----------"
printf '| %-44s | %8s |\n' "argon2id hash, m=19456 t=2 p=1 (one core)" "$per_hash"
printf '| %-44s | %8s |\n' "log-in answer, wrong password (median of 4)" "$wrong"
printf '| %-44s | %8s |\n' "log-in answer, unknown address (median of 4)" "$unknown"
echo

fi

if [ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = transcription ]; then
echo "== transcription: the local engine on 60 s of speech, the job queue, and the pipeline around the engine"
speech="$(mktemp --suffix .wav)"
bench_out="$("$CARGO_TARGET_DIR/release/examples/transcription_bench" "$ROOT/.data/models" "$speech")"
grep -v '^engine_ms=' <<<"$bench_out"
engine_ms="$(sed -n 's/^engine_ms=//p' <<<"$bench_out")"
printf '| %-44s | %10s |\n' "pipeline, the same 60 s file" "ms"
printf '|%s|%s|\n' "----------------------------------------------" "------------"
python3 scripts/bench_transcription.py "http://$APP_ADDR" bench@example.com "$BENCH_PASSWORD" "$speech" "$engine_ms"
rm -f "$speech"
echo
fi
[ "${BENCH_ONLY:-}" != transcription ] || exit 0

# Uploads: the app's own protocol through each backend, next to a raw write of the same bytes to
# the same store. S3 is s3s-fs on this machine (the store the tests use), with a second server.
UPLOAD_MIB="${BENCH_UPLOAD_MIB:-1024}"
echo "== uploads: $UPLOAD_MIB MiB through the upload protocol (4 parts at once), and a raw write of the same bytes"
printf '| %-34s | %13s | %6s | %s |\n' "what" "throughput" "ratio" "server memory"
printf '|%s|%s|%s|%s|\n' "------------------------------------" "---------------" "--------" "-------------------"
python3 scripts/bench_upload.py "http://$APP_ADDR" "$app_pid" bench@example.com "$BENCH_PASSWORD" "$UPLOAD_MIB" \
  local "$ROOT/.data/objects"

# The first server stops, so jobs for the bucket's upload go to the S3 server's own workers.
kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true
S3_PORT=$(( ${BENCH_PORT:-3200} + 2 )); S3_APP_ADDR="127.0.0.1:$(( ${BENCH_PORT:-3200} + 3 ))"
s3_dir="$(mktemp -d)"; s3_key="bench"; s3_secret="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
s3s-fs --host 127.0.0.1 --port "$S3_PORT" --access-key "$s3_key" --secret-key "$s3_secret" "$s3_dir" \
  >/tmp/audiotricks-bench-s3s.log 2>&1 &
s3_pid=$!
RUST_LOG=warn LEPTOS_SITE_ADDR="$S3_APP_ADDR" PUBLIC_URL="http://$S3_APP_ADDR" RATE_LIMIT_PER_MINUTE=1000000 \
  STORAGE_BACKEND=s3 S3_ENDPOINT="http://127.0.0.1:$S3_PORT" S3_BUCKET=bench S3_REGION=us-east-1 \
  S3_ACCESS_KEY_ID="$s3_key" S3_SECRET_ACCESS_KEY="$s3_secret" \
  "$CARGO_TARGET_DIR/release/audiotricks" serve >/tmp/audiotricks-bench-s3.log 2>&1 &
s3_app_pid=$!
trap 'kill $app_pid $bare_pid $s3_pid $s3_app_pid 2>/dev/null || true; wait 2>/dev/null; rm -rf "$s3_dir"; stop_database_if_started' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://$S3_APP_ADDR/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
python3 scripts/bench_upload.py "http://$S3_APP_ADDR" "$s3_app_pid" bench@example.com "$BENCH_PASSWORD" "$UPLOAD_MIB" \
  s3 "http://127.0.0.1:$S3_PORT" bench us-east-1 "$s3_key" "$s3_secret"
echo
