#!/usr/bin/env bash
# make check: the fast gates, without training or a model: ruff (lint and format), mypy, the unit
# tests and the action tests. Every gate runs, also after one failed, so one run shows everything to fix.
set -uo pipefail
source "$(dirname "$0")/test_env.sh"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
failed=()

gate() {
  local name=$1
  shift
  printf '\n=== %s\n' "$name"
  "$@" || failed+=("$name")
}

# The packages mypy checks (pyproject.toml says how strictly); webapp/ once it exists.
packages=()
for package in actions bot channels rasa_runtime scripts webapp; do
  [ -d "$package" ] && packages+=("$package")
done

gate "ruff check" "$BIN/ruff" check .
gate "ruff format --check" "$BIN/ruff" format --check .
gate "mypy" "$BIN/mypy" "${packages[@]}"
# Pure and fast: no database server, no Redis, no subprocess (tests/integration and tests/e2e have those).
gate "unit and action tests (tests/unit, tests/actions)" "$BIN/python" -m pytest -q tests/unit tests/actions

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nmake check failed: %s\n' "$(IFS=,; echo "${failed[*]}" | sed 's/,/, /g')"
  exit 1
fi
printf '\nmake check passed\n'
