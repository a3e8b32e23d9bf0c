"""Rasa's SQL tracker store, with one SQLite connection kept open in WAL mode.

endpoints.yml:

    tracker_store:
      type: rasa_runtime.tracker_store.SQLTrackerStore
      url: ${TRACKER_STORE_URL}

The URL is Rasa's (`sqlite:///path/to/tracker.db`, `postgresql://user:pw@host/db`); the tables and
the stored events are exactly those of Rasa's `SQLTrackerStore`. Only for SQLite the connection is
changed: one connection per thread kept open (Rasa uses the server's event-loop thread), the
database in write-ahead-log mode (readers such as the tests' sqlite3 do not block the server) with
`synchronous=NORMAL` and a 5 s busy timeout. Other databases are left as Rasa sets them up.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core import tracker_store

from rasa_runtime import fixes

SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000")


def _sqlite_engine(url: Any) -> sa.engine.Engine:
    engine = sa.create_engine(url, poolclass=sa.pool.SingletonThreadPool)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    return engine


class SQLTrackerStore(tracker_store.SQLTrackerStore):
    """Rasa's SQLTrackerStore; see the module docstring for what differs with SQLite."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fixes.apply()
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = _sqlite_engine(url)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
