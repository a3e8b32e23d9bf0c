#!/usr/bin/env bash
# Trains the model into models/klantenservice.tar.gz (Rasa itself skips what did not change).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
echo "Training the assistant (a few minutes the first time)..."
"$ROOT/.venv/bin/rasa" train --fixed-model-name klantenservice --out models
touch models/klantenservice.tar.gz
echo "Model: models/klantenservice.tar.gz"
