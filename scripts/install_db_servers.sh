#!/usr/bin/env bash
# PostgreSQL and Redis from Debian's packages, for the tests of the production configuration
# (scripts/db_servers.py starts private instances on loopback; the packages' own services are not
# used). Installs what is missing; as root directly, otherwise with sudo. Non-interactive for CI.
set -euo pipefail
missing=()
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "${missing[*]} missing and there is no apt-get to install them" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "run 'apt-get install -y ${missing[*]}' as root (no sudo here)" >&2; exit 1; }
  as_root=(sudo)
  [ -t 0 ] || as_root=(sudo -n)
fi
echo "Installing Debian's ${missing[*]} for the database tests"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
