# The Rasa server of this project: Rasa's own 3.6.21 image plus the project's pinned packages, the
# code the server imports from endpoints.yml and credentials.yml (rasa_runtime/, channels/ and the
# modules of bot/ they import; no web app), the Dutch spaCy pipeline and the trained model. Build from the repository root after `make train`:
#
#   docker build -f deploy/docker/rasa.Dockerfile -t registry.example.nl/klantenservice/rasa:3.6.21-1 .
#
# The Helm chart gives the arguments (deploy/helm/rasa-values.yml); the image's entrypoint is `rasa`.
FROM rasa/rasa:3.6.21

USER root

# requirements/lock.txt is what `make setup` installs and `make test` tests. The base image holds
# Rasa 3.6.21 resolved from Rasa's own lock; the project's pins go over it (python-socketio and
# python-engineio with their advisories fixed, spaCy, psycopg2, redis, holidays, ...). Test tools
# are left out. Rasa's images are Ubuntu 22.04 with Python 3.10, the lock's Python.
COPY requirements/lock.txt /tmp/lock.txt
RUN python -c 'import sys; assert sys.version_info[:2] == (3, 10), sys.version' \
 && grep -Ev '^(pytest|pytest-timeout|hypothesis|pexpect|ptyprocess|playwright|iniconfig|sortedcontainers)==' \
      /tmp/lock.txt > /tmp/runtime.txt \
 && python -m pip install --no-cache-dir -r /tmp/runtime.txt \
 && python -c 'import rasa, spacy, psycopg2, redis, socketio, engineio, holidays, lingua; assert rasa.__version__ == "3.6.21"' \
 && rm /tmp/lock.txt /tmp/runtime.txt

# /app is the image's working directory (and a VOLUME of the base image: only COPY writes there).
# The chart mounts its endpoints.yml and credentials.yml over the project's copies.
WORKDIR /app
COPY --chown=1001:0 rasa_runtime/ rasa_runtime/
COPY --chown=1001:0 channels/ channels/
# Only the modules of bot/ that rasa_runtime/ and channels/ import (tests/unit/test_deploy.py checks
# the list against their imports); the calendar and the settings fill in the page's facts.
COPY --chown=1001:0 bot/__init__.py bot/action_server_secret.py bot/clock.py bot/database.py bot/dayparse.py \
     bot/delivery.py bot/dutch.py bot/english.py bot/entity_shapes.py bot/facts.py bot/handoff.py bot/hours.py \
     bot/hours_text.py bot/hours_text_en.py bot/language.py bot/log_privacy.py bot/masking.py bot/settings.py \
     bot/throttle.py bot/vocabulary.py bot/wording.py bot/
COPY --chown=1001:0 migrations/ migrations/
COPY --chown=1001:0 klantenservice.yml endpoints.yml credentials.yml ./
COPY --chown=1001:0 data/nlu/entities.yml data/nlu/entities.yml
# config.yml's SpacyNLP loads `build/spacy-nl` relative to the working directory at run time.
COPY --chown=1001:0 build/spacy-nl/ build/spacy-nl/
COPY --chown=1001:0 models/klantenservice.tar.gz models/klantenservice.tar.gz

# scripts/env.sh's fixed settings. PYTHONPATH: the `rasa` script does not put the working directory
# on the import path, and endpoints.yml names rasa_runtime's classes.
ENV PYTHONPATH=/app \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=3 \
    TF_ENABLE_ONEDNN_OPTS=0 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    LOG_LEVEL_LIBRARIES=ERROR \
    MPLCONFIGDIR=/tmp/.matplotlib

USER 1001
EXPOSE 5005
