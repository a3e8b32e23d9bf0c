# The action server: Rasa's SDK image at the rasa-sdk version of requirements/lock.txt (3.6.2) plus
# the packages the actions use, at the lock's versions, and the code they import. Build from the
# repository root:
#
#   docker build -f deploy/docker/actions.Dockerfile -t registry.example.nl/klantenservice/actions:3.6.2-1 .
FROM rasa/rasa-sdk:3.6.2

USER root

# bot/ needs these besides rasa-sdk; `-c` holds every package, dependencies included, to the
# versions `make test` tests. The SDK image is Ubuntu 22.04 with Python 3.10, the lock's Python.
COPY requirements/lock.txt /tmp/lock.txt
RUN python -c 'import sys; assert sys.version_info[:2] == (3, 10), sys.version' \
 && python -m pip install --no-cache-dir -c /tmp/lock.txt \
      rasa-sdk bcrypt holidays SQLAlchemy psycopg2-binary PyYAML python-dateutil dateparser tzdata alembic \
 && python -c 'import rasa_sdk, bcrypt, holidays, sqlalchemy, psycopg2, yaml, dateparser; assert rasa_sdk.__version__ == "3.6.2"' \
 && rm /tmp/lock.txt

WORKDIR /app
COPY --chown=1001:0 actions/ actions/
# Only the modules of bot/ that actions/ imports, no web app (tests/unit/test_deploy.py checks the
# list against the imports).
COPY --chown=1001:0 bot/__init__.py bot/action_server_secret.py bot/agents.py bot/cases.py bot/clock.py \
     bot/database.py bot/dayparse.py bot/delivery.py bot/dutch.py bot/english.py bot/entity_shapes.py \
     bot/form_fields.py bot/handoff.py bot/hours.py bot/hours_text.py bot/hours_text_en.py bot/log_privacy.py \
     bot/masking.py bot/payloads.py bot/satisfaction.py bot/settings.py bot/webshops.py bot/wording.py bot/
COPY --chown=1001:0 migrations/ migrations/
# The business facts (opening hours, contact) and the webshop names (bot/webshops.py reads the
# lookup table of data/nlu/entities.yml).
COPY --chown=1001:0 klantenservice.yml klantenservice.yml
COPY --chown=1001:0 data/nlu/entities.yml data/nlu/entities.yml

ENV PYTHONPATH=/app \
    SQLALCHEMY_SILENCE_UBER_WARNING=1

USER 1001
EXPOSE 5055
# The SDK image's entrypoint (./entrypoint.sh) runs `python -m rasa_sdk` for `start`.
CMD ["start", "--actions", "actions", "--port", "5055"]
