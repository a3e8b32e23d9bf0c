# Defaults for every setting the scripts and endpoints.yml read; each one can be overridden by
# exporting it before `make ...`. Sourced by the other scripts, never run on its own.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
mkdir -p "$ROOT/var"

export RASA_TELEMETRY_ENABLED=false
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
export TF_ENABLE_ONEDNN_OPTS="${TF_ENABLE_ONEDNN_OPTS:-0}"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export LOG_LEVEL_LIBRARIES="${LOG_LEVEL_LIBRARIES:-ERROR}"
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_PORT="${ACTION_PORT:-5055}"
export WEB_PORT="${WEB_PORT:-8080}"
# Addresses the Rasa server and the action server listen on: this machine only, unless set (the
# deployment's containers use 0.0.0.0). The web app has WEB_HOST, 127.0.0.1 by default as well.
export RASA_HOST="${RASA_HOST:-127.0.0.1}"
export ACTION_HOST="${ACTION_HOST:-127.0.0.1}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://localhost:$ACTION_PORT/webhook}"
export LOCK_STORE_URL="${LOCK_STORE_URL:-memory}"
# Redis that carries socket.io messages between several Rasa servers (channels/socketio.py): by
# default the lock store's Redis, none (empty) with one server. Set it empty to turn it off.
case "$LOCK_STORE_URL" in redis://* | rediss://* | unix://*) socketio_queue="$LOCK_STORE_URL" ;; *) socketio_queue="" ;; esac
export SOCKETIO_MESSAGE_QUEUE="${SOCKETIO_MESSAGE_QUEUE-$socketio_queue}"
unset socketio_queue
export TRACKER_STORE_URL="${TRACKER_STORE_URL:-sqlite:///$ROOT/var/tracker.db}"
export KLANTENSERVICE_DB_URL="${KLANTENSERVICE_DB_URL:-sqlite:///$ROOT/var/klantenservice.db}"
export MODEL_PATH="${MODEL_PATH:-$ROOT/models/klantenservice.tar.gz}"
# The Rasa server's address as the visitor's browser reaches it (the chat widget connects there).
export RASA_URL="${RASA_URL:-http://localhost:$RASA_PORT}"
export RASA_PUBLIC_URL="${RASA_PUBLIC_URL:-http://localhost:$RASA_PORT}"
# Origins allowed to call the Rasa server from a browser (the chat page by default).
export CORS_ORIGINS="${CORS_ORIGINS:-http://localhost:$WEB_PORT http://127.0.0.1:$WEB_PORT}"

# The token that guards Rasa's HTTP API: from the environment, else a random one kept in var/.
if [ -z "${RASA_TOKEN:-}" ]; then
  if [ ! -s "$ROOT/var/rasa_token" ]; then
    (umask 077 && "$ROOT/.venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))' >"$ROOT/var/rasa_token")
  fi
  RASA_TOKEN="$(cat "$ROOT/var/rasa_token")"
fi
export RASA_TOKEN
