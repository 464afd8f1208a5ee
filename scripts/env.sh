# Shared settings for the make targets; sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Outside the clone, so CI and fresh clones reuse one build cache.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/audiotricks/target}"
# Builds use the committed .sqlx/ query data and never need a database.
export SQLX_OFFLINE=true
# cargo-leptos builds the server with these; `cargo test` must match them or it recompiles
# leptos and everything above it.
export LEPTOS_OUTPUT_NAME=audiotricks
TEST_RUSTFLAGS="--cfg erase_components"
SERVER_BIN="$CARGO_TARGET_DIR/debug/audiotricks"

port_in_use() {
  (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null
}
export PGOPTIONS="-c client_min_messages=warning"
