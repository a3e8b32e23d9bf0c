#!/usr/bin/env bash
# make test: data validation, unit and action tests, end-to-end tests against the real servers
# (and the chat page in headless Chromium, installed here when missing),
# test stories and the held-out NLU thresholds (Dutch 0.95, English 0.90). Uses its own ports so a
# running `make run` is left alone.
set -euo pipefail
source "$(dirname "$0")/test_env.sh"
cd "$ROOT"
RASA="$ROOT/.venv/bin/rasa"
mkdir -p var/test-results

step() { printf '\n=== %s\n' "$*"; }

step "Validating the training data and domain"
"$RASA" data validate --fail-on-warnings --max-history 5

step "Browser for the widget tests (Debian's chromium)"
scripts/install_chromium.sh

step "PostgreSQL and Redis for the production-configuration tests (Debian's packages)"
scripts/install_db_servers.sh

step "pytest: unit and action tests (pure, fast)"
"$ROOT/.venv/bin/python" -m pytest tests/unit tests/actions

step "pytest: integration (PostgreSQL, Redis, processes)"
"$ROOT/.venv/bin/python" -m pytest tests/integration

step "pytest: end to end against the real servers and in a real browser"
"$ROOT/.venv/bin/python" -m pytest tests/e2e

step "Test stories (user text, end to end through NLU and dialogue)"
"$RASA" test core --model "$MODEL_PATH" --stories tests/test_stories.yml \
  --fail-on-prediction-errors --out var/test-results/stories

step "Held-out NLU test set (the messages that are not also training examples)"
"$ROOT/.venv/bin/python" -m scripts.unseen_test_set tests/nlu_test.yml var/test-results/nlu_test_unseen.yml
"$RASA" test nlu --model "$MODEL_PATH" --nlu var/test-results/nlu_test_unseen.yml --out var/test-results/nlu
"$ROOT/.venv/bin/python" -m scripts.check_nlu_results var/test-results/nlu --min-accuracy 0.95

step "English held-out NLU test set (the messages that are not also training examples)"
"$ROOT/.venv/bin/python" -m scripts.unseen_test_set tests/nlu_test_en.yml var/test-results/nlu_test_en_unseen.yml
"$RASA" test nlu --model "$MODEL_PATH" --nlu var/test-results/nlu_test_en_unseen.yml --out var/test-results/nlu_en
"$ROOT/.venv/bin/python" -m scripts.check_nlu_results var/test-results/nlu_en --min-accuracy 0.90

step "All tests passed"
