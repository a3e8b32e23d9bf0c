#!/usr/bin/env bash
# The browser for the end-to-end widget tests: Debian's chromium, driven by Playwright through
# executable_path (Playwright's own browser download is not used). Installs it when it is missing;
# as root directly, otherwise with sudo. Non-interactive, so CI (CI=true, no input) can run it.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "$CHROMIUM is missing and there is no apt-get to install it; install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "$CHROMIUM is missing: run 'apt-get install -y chromium' as root (no sudo here)" >&2
    exit 1
  fi
  as_root=(sudo)
  # Without a terminal (CI) sudo must not wait for a password.
  [ -t 0 ] || as_root=(sudo -n)
fi
echo "Installing Debian's chromium for the browser tests (apt-get install -y chromium)"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "chromium was installed but $CHROMIUM is not there" >&2; exit 1; }
