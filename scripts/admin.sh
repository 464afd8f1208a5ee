#!/usr/bin/env bash
# `make admin EMAIL=you@example.com [NAME="Your Name"]`: create a platform admin on the local
# database (asks for the password unless ADMIN_PASSWORD is set).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
[ -n "${EMAIL:-}" ] || { echo "usage: make admin EMAIL=you@example.com [NAME=\"Your Name\"]" >&2; exit 2; }
[ -x "$SERVER_BIN" ] || { echo "error: the server is not built yet; run make run (or make test) once first" >&2; exit 1; }
use_database
trap stop_database_if_started EXIT
"$SERVER_BIN" migrate >/dev/null
"$SERVER_BIN" admin create --email "$EMAIL" --name "${NAME:-Administrator}"
