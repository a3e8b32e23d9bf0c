"""Rasa's SQL tracker store, with one SQLite connection kept open in WAL mode.

endpoints.yml:

    tracker_store:
      type: rasa_runtime.tracker_store.SQLTrackerStore

The URL is `url` in endpoints.yml when given, else the TRACKER_STORE_URL environment variable, else
the SQLite file `var/tracker.db` of the project, so plain `rasa run` and `rasa shell` work from the
project root without any variable set. It is Rasa's (`sqlite:///path/to/tracker.db`,
`postgresql://user:pw@host/db`); the tables and the stored events are exactly those of Rasa's
`SQLTrackerStore`. Two things differ:

- SQLite only: one connection per thread kept open (Rasa uses the server's event-loop thread), the
  database in write-ahead-log mode (readers such as the tests' sqlite3 do not block the server) with
  `synchronous=NORMAL` and a 5 s busy timeout. Other databases are left as Rasa sets them up.
- A ValueError in a query is an error of that message, not a reason to stop the server.
- Saving a tracker: Rasa first counts the conversation's stored events (a query with a sub-query,
  about 2 ms a save) to know which events are new. This store remembers that number from the
  retrieval that started the turn and from its own saves, and asks the database only when it does
  not know it. SQLite only, like the open connection: it assumes one Rasa server per database,
  whereas PostgreSQL may be shared by several servers (with the Redis lock store).
- Reading a conversation uses two queries built once, with the conversation id as a parameter,
  instead of ORM queries built and compiled for every message; they find Rasa's rows.
- The new events of a save go to the database in one INSERT with all their rows, instead of one ORM
  object each that the session's flush then sorts and inserts one by one; the rows are the same.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core import tracker_store
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

import rasa_runtime

SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000")
REMEMBERED_CONVERSATIONS = 10_000
DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "var"


def default_url() -> str:
    """TRACKER_STORE_URL, else the project's SQLite file (its folder made when missing)."""
    url = os.environ.get("TRACKER_STORE_URL", "").strip()
    if url:
        return url
    DEFAULT_FOLDER.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_FOLDER / 'tracker.db'}"


def _sqlite_engine(url: Any) -> sa.engine.Engine:
    engine = sa.create_engine(url, poolclass=sa.pool.SingletonThreadPool, hide_parameters=True)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    return engine


class SQLTrackerStore(tracker_store.SQLTrackerStore):
    """Rasa's SQLTrackerStore; see the module docstring for what differs."""

    def __init__(self, *args: Any, host: str | None = None, **kwargs: Any) -> None:
        rasa_runtime.install()
        super().__init__(*args, host=host or default_url(), **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = _sqlite_engine(url)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.engine.hide_parameters = True  # a database error's message would quote customers' texts
        # conversation id -> events of its latest session in the database, as last read or written here
        self._stored_events: OrderedDict[str, int] = OrderedDict()
        self._single_server = self.engine.dialect.name == "sqlite"
        self._all_sessions_query, self._latest_session_query = _event_queries(self.SQLEvent.__table__)

    @contextlib.contextmanager
    def session_scope(self) -> Iterator[Any]:
        """Rasa's session scope without its exit: Rasa takes any ValueError in a query (a text that
        the database cannot encode, say) for a missing PostgreSQL schema and stops the server."""
        session = self.sessionmaker()
        try:
            tracker_store.ensure_schema_exists(session)
            yield session
        finally:
            session.close()

    def _remember(self, sender_id: str, count: int | None) -> None:
        self._stored_events.pop(sender_id, None)
        if count is not None:
            self._stored_events[sender_id] = count
            while len(self._stored_events) > REMEMBERED_CONVERSATIONS:
                self._stored_events.popitem(last=False)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """Rasa's `_retrieve`, which also remembers how many rows the latest session has."""
        query = self._all_sessions_query if fetch_events_from_all_sessions else self._latest_session_query
        with self.session_scope() as session:
            rows = session.execute(query, {"sender_id": sender_id}).scalars().all()
            events = [json.loads(data) for data in rows]
        if not fetch_events_from_all_sessions:
            # The same rows that Rasa's count before a save would find.
            self._remember(sender_id, len(rows))
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = self._stored_events.get(tracker.sender_id) if self._single_server else None
        if stored is None or stored > len(tracker.events):
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        stored = self._stored_events.get(tracker.sender_id)
        try:
            await self._insert_new_events(tracker)
        except BaseException:
            self._remember(tracker.sender_id, None)
            raise
        new_events = list(itertools.islice(tracker.events, stored or 0, len(tracker.events)))
        if stored is None or any(isinstance(event, SessionStarted) for event in new_events):
            # A new session moves the start of what is counted: let the database count next time.
            self._remember(tracker.sender_id, None)
        else:
            self._remember(tracker.sender_id, len(tracker.events))

    async def _insert_new_events(self, tracker: DialogueStateTracker) -> None:
        """Rasa's `save`: stream the events, then store those not stored yet, in one INSERT."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [
                _event_row(tracker.sender_id, event) for event in self._additional_events(session, tracker)
            ]
            if rows:
                session.execute(sa.insert(self.SQLEvent.__table__), rows)
            session.commit()


def _event_queries(events: sa.Table) -> tuple[Any, Any]:
    """Rasa's `_event_query` for all sessions and for the latest, built once with the conversation
    id as a parameter instead of as ORM queries for every retrieval: the same rows in the same order
    (by id; the latest session starts at the latest `session_started` event, or all rows if none)."""
    sender_id = sa.bindparam("sender_id")
    all_sessions = sa.select(events.c.data).where(events.c.sender_id == sender_id).order_by(events.c.id)
    session_start = (
        sa.select(sa.func.max(events.c.timestamp))
        .where(events.c.sender_id == sender_id, events.c.type_name == SessionStarted.type_name)
        .scalar_subquery()
    )
    latest_session = all_sessions.where(sa.or_(events.c.timestamp >= session_start, session_start.is_(None)))
    return all_sessions, latest_session


def _event_row(sender_id: str, event: Any) -> dict[str, Any]:
    """The columns Rasa's `save` fills for one event."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }
