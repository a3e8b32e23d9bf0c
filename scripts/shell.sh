#!/usr/bin/env bash
# make shell: rasa shell with the trained model, with the action server running beside it (stopped
# again when the shell ends). Ports from scripts/env.sh: RASA_PORT for the shell's server,
# ACTION_PORT for the action server. Next to a running `make run` it says which ports to use instead.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
mkdir -p var/log
for port in "$ACTION_PORT" "$RASA_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port is already in use, probably by \`make run\`. Chat with the running assistant at" \
         "http://localhost:$WEB_PORT, or start the shell on other ports:" \
         "RASA_PORT=$((RASA_PORT + 1)) ACTION_PORT=$((ACTION_PORT + 1)) make shell" >&2
    exit 1
  fi
done
"$ROOT/.venv/bin/rasa" run actions --actions actions --port "$ACTION_PORT" >>var/log/actions.log 2>&1 &
action_pid=$!
trap 'kill $action_pid 2>/dev/null; wait $action_pid 2>/dev/null' EXIT
echo "Starting the action server (log: var/log/actions.log) and rasa shell; type /stop to end."
"$ROOT/.venv/bin/python" - "$ACTION_PORT" "$action_pid" <<'PY'
import os, sys, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(f"http://localhost:{port}/health", timeout=2):
            sys.exit(0)
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            sys.exit(f"The action server stopped; see var/log/actions.log (is port {port} in use?)")
        time.sleep(0.5)
sys.exit(f"The action server did not start within 120 s; see var/log/actions.log")
PY
"$ROOT/.venv/bin/rasa" shell --model "$MODEL_PATH" --endpoints endpoints.yml --port "$RASA_PORT"
