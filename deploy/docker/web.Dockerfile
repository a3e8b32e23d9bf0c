# The web app (`python -m webapp`): the chat page with rasa-webchat's bundle and the agent
# console. It imports no Rasa, so it starts from a plain Python 3.10 with only its own packages, at
# the versions of requirements/lock.txt. Build from the repository root after `make setup` (which
# installs node_modules/ with npm ci):
#
#   docker build -f deploy/docker/web.Dockerfile -t registry.example.nl/klantenservice/web:1 .
FROM python:3.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# `-c` holds every package, dependencies included, to the lock's versions. tzdata: the slim image
# has no system time zones, and bot/clock.py uses Europe/Amsterdam.
COPY requirements/lock.txt /tmp/lock.txt
RUN python -m pip install --no-cache-dir -c /tmp/lock.txt \
      aiohttp Jinja2 matplotlib bcrypt holidays SQLAlchemy psycopg2-binary PyYAML python-dateutil \
      dateparser tzdata alembic \
 && rm /tmp/lock.txt \
 && useradd --uid 1001 --gid 0 --home-dir /app --no-create-home --shell /usr/sbin/nologin klantenservice

WORKDIR /app
# The web app and the domain it calls (bot/: queue, agents, cases, figures, review).
COPY webapp/ webapp/
COPY bot/ bot/
COPY migrations/ migrations/
# The business facts; the review console reads config.yml (fallback threshold), domain.yml
# (intents) and data/ (existing examples).
COPY klantenservice.yml config.yml domain.yml ./
COPY data/ data/
# webapp/app.py serves the widget from this path (DEFAULT_BUNDLE; WEBCHAT_BUNDLE overrides it).
COPY node_modules/rasa-webchat/lib/index.js node_modules/rasa-webchat/lib/index.js

ENV PYTHONPATH=/app \
    MPLCONFIGDIR=/tmp/matplotlib \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080

USER 1001
EXPOSE 8080
CMD ["python", "-m", "webapp"]
