#!/usr/bin/env bash
# make run: the assistant on this machine with its embedded defaults (SQLite, one machine).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/python" -m scripts.services run
