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

# Starts the embedded database unless DATABASE_URL points elsewhere, exports both URLs, and
# remembers whether this run started it: stop_database_if_started undoes exactly that.
use_database() {
  STARTED_DB=""
  if [ -z "${DATABASE_URL:-}" ] && [ "$(scripts/postgres.sh status)" = stopped ]; then STARTED_DB=1; fi
  scripts/postgres.sh ensure
  eval "$(scripts/postgres.sh env)"
  local bin; bin="$(scripts/postgres.sh bin)"
  [ -x "$bin/psql" ] && export PATH="$bin:$PATH"
  return 0
}

stop_database_if_started() {
  [ -z "${STARTED_DB:-}" ] || DATABASE_URL="" scripts/postgres.sh stop
}

# Points DATABASE_URL and APP_DATABASE_URL at a new, empty database NAME (lowercase letters,
# digits, _) on the same server. External databases need a psql client on PATH.
use_fresh_database() {
  [[ "$1" =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "use_fresh_database: bad name $1" >&2; return 1; }
  [[ "$DATABASE_URL" != *\?* ]] || { echo "use_fresh_database: DATABASE_URL with ?options is not supported here" >&2; return 1; }
  psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" -c "drop database if exists \"$1\" with (force)" -c "create database \"$1\""
  export DATABASE_URL="${DATABASE_URL%/*}/$1" APP_DATABASE_URL="${APP_DATABASE_URL%/*}/$1"
  [ -z "${BACKUP_DATABASE_URL:-}" ] || export BACKUP_DATABASE_URL="${BACKUP_DATABASE_URL%/*}/$1"
}

# Secrets at rest need MASTER_KEY. Unless one is given, use a key generated once for this
# clone and kept in .data/master.key (owner-readable only). Production sets its own.
use_master_key() {
  [ -z "${MASTER_KEY:-}" ] || return 0
  local file="$ROOT/.data/master.key"
  if [ ! -s "$file" ]; then
    mkdir -p "$ROOT/.data"
    (umask 077 && printf 'dev:%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" > "$file")
  fi
  MASTER_KEY="$(cat "$file")"
  export MASTER_KEY
}

# The shared build cache grows with every build (incremental state alone reached 30 GiB) and a
# full disk fails a test run half-way. Below BUILD_FREE_GIB free (default 15), drop incremental
# state, then the whole cache; below 6 GiB after that, stop with a clear message.
ensure_disk_space() {
  local want="${BUILD_FREE_GIB:-15}" dir="$CARGO_TARGET_DIR"
  while [ ! -d "$dir" ]; do dir="$(dirname "$dir")"; done
  free_gib() { df --output=avail -BG "$dir" | tail -1 | tr -dc '0-9'; }
  [ "$(free_gib)" -ge "$want" ] && return 0
  echo "note: $(free_gib) GiB free; removing the build cache's incremental state" >&2
  rm -rf "$CARGO_TARGET_DIR"/*/incremental "$CARGO_TARGET_DIR"/*/*/incremental
  [ "$(free_gib)" -ge "$want" ] && return 0
  echo "note: $(free_gib) GiB free; removing the build cache ($CARGO_TARGET_DIR), the next build starts from scratch" >&2
  rm -rf "$CARGO_TARGET_DIR"
  if [ "$(free_gib)" -lt 6 ]; then
    echo "error: only $(free_gib) GiB free on $dir; a build and test run needs about 6 GiB. Free some space and run again." >&2
    return 1
  fi
}
