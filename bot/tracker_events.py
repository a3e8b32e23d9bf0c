"""Rasa's `events` table (its SQLTrackerStore's), as far as this project reads it.

The dashboard's figures (`bot.insight`) and the review inbox (`bot.review`) read the conversations
from it, the purge (`bot.retention`) and erasure (`bot.data_rights`) delete from it; it is never
created or written to here: its definition stays Rasa's, and tests/unit/test_insight.py checks that
these columns are Rasa's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa

EVENTS = sa.Table(
    "events",
    sa.MetaData(),  # not the assistant's database (bot.database.Base): migrations leave it alone
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

URL_VARIABLE = "TRACKER_STORE_URL"
ROOT = Path(__file__).resolve().parent.parent


def tracker_url() -> str:
    """TRACKER_STORE_URL, else the SQLite file Rasa uses by default here (scripts/env.sh's default)."""
    return os.environ.get(URL_VARIABLE) or f"sqlite:///{ROOT / 'var' / 'tracker.db'}"


def tracker_engine(url: str | None = None) -> sa.engine.Engine:
    """An engine on the tracker store; errors do not quote parameters (customers' texts)."""
    parsed = sa.engine.make_url(url or tracker_url())
    options: dict[str, Any] = {"future": True, "pool_pre_ping": True, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        options["connect_args"] = {"timeout": 30}
    return sa.create_engine(parsed, **options)


def has_events(engine: sa.engine.Engine) -> bool:
    """Whether Rasa has made its table yet; a missing SQLite file is not created by asking."""
    url = engine.url
    database = url.database if url.get_backend_name() == "sqlite" else None
    if database and database != ":memory:" and not Path(database).is_file():
        return False
    with engine.connect() as connection:
        found: bool = sa.inspect(connection).has_table(EVENTS.name)
        return found
