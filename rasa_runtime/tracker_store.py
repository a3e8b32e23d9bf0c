"""Rasa's SQL tracker store, with one SQLite connection kept open in WAL mode.

endpoints.yml:

    tracker_store:
      type: rasa_runtime.tracker_store.SQLTrackerStore
      url: ${TRACKER_STORE_URL}

The URL is Rasa's (`sqlite:///path/to/tracker.db`, `postgresql://user:pw@host/db`); the tables and
the stored events are exactly those of Rasa's `SQLTrackerStore`. Two things differ:

- SQLite only: one connection per thread kept open (Rasa uses the server's event-loop thread), the
  database in write-ahead-log mode (readers such as the tests' sqlite3 do not block the server) with
  `synchronous=NORMAL` and a 5 s busy timeout. Other databases are left as Rasa sets them up.
- A ValueError in a query is an error of that message, not a reason to stop the server.
- Saving a tracker: Rasa first counts the conversation's stored events (a query with a sub-query,
  about 2 ms a save) to know which events are new. This store remembers that number from the
  retrieval that started the turn and from its own saves, and asks the database only when it does
  not know it. SQLite only, like the open connection: it assumes one Rasa server per database,
  whereas PostgreSQL may be shared by several servers (with the Redis lock store).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections import OrderedDict
from typing import Any, Iterator, Optional

import sqlalchemy as sa
from rasa.core import tracker_store
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_runtime import fixes

SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000")
REMEMBERED_CONVERSATIONS = 10_000


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
    """Rasa's SQLTrackerStore; see the module docstring for what differs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fixes.apply()
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = _sqlite_engine(url)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        # conversation id -> events of its latest session in the database, as last read or written here
        self._stored_events: OrderedDict[str, int] = OrderedDict()
        self._single_server = self.engine.dialect.name == "sqlite"

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

    def _remember(self, sender_id: str, count: Optional[int]) -> None:
        self._stored_events.pop(sender_id, None)
        if count is not None:
            self._stored_events[sender_id] = count
            while len(self._stored_events) > REMEMBERED_CONVERSATIONS:
                self._stored_events.popitem(last=False)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        """Rasa's `_retrieve`, which also remembers how many rows the latest session has."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id,
                                     fetch_events_from_all_sessions=fetch_events_from_all_sessions).all()
            events = [json.loads(row.data) for row in rows]
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
            await super().save(tracker)
        except BaseException:
            self._remember(tracker.sender_id, None)
            raise
        new_events = list(itertools.islice(tracker.events, stored or 0, len(tracker.events)))
        if stored is None or any(isinstance(event, SessionStarted) for event in new_events):
            # A new session moves the start of what is counted: let the database count next time.
            self._remember(tracker.sender_id, None)
        else:
            self._remember(tracker.sender_id, len(tracker.events))
