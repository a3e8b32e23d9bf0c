#!/usr/bin/env bash
# make shell: rasa shell with the trained model, with the action server running beside it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
mkdir -p var/log
"$ROOT/.venv/bin/rasa" run actions --actions actions --port "$ACTION_PORT" >>var/log/actions.log 2>&1 &
action_pid=$!
trap 'kill $action_pid 2>/dev/null; wait $action_pid 2>/dev/null' EXIT
"$ROOT/.venv/bin/rasa" shell --model "$MODEL_PATH" --endpoints endpoints.yml
