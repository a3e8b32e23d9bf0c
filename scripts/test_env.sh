# The test suite's settings: scripts/env.sh's defaults on ports of their own, so that tests never
# collide with a running `make run`. Sourced by scripts/test.sh and by tests/conftest.py.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
export RASA_PORT="${TEST_RASA_PORT:-15005}" ACTION_PORT="${TEST_ACTION_PORT:-15055}" WEB_PORT="${TEST_WEB_PORT:-18080}"
export ACTION_ENDPOINT_URL="http://localhost:$ACTION_PORT/webhook"
export CORS_ORIGINS="http://localhost:$WEB_PORT http://127.0.0.1:$WEB_PORT"
export RASA_PUBLIC_URL="http://localhost:$RASA_PORT" RASA_URL="http://localhost:$RASA_PORT"
# No scheduled retention purge in the tests' web app: it runs on the real clock, and tests store
# conversations on fixed dates (tests/unit/test_retention.py tests the purge with a pinned clock).
export KLANTENSERVICE_PURGE_MINUTES=0
