"""Stored data on both sides of each retention period, at a pinned moment: what the purge must delete
and what it must keep, on any database (the SQLite tests and the PostgreSQL one share it)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from bot.cases import CaseRecord, CaseStore
from bot.delivery import MessageRecord, WindowRecord
from bot.handoff import OFFLINE, EntryRecord, HandoffQueue
from bot.notes import NoteRecord
from bot.retention import Periods
from bot.review import ReviewDecision
from bot.tracker_events import EVENTS

NOW = datetime(2027, 3, 1, 12, tzinfo=timezone.utc)
PERIODS = Periods(conversations=timedelta(days=90), queue=timedelta(days=30), cases=timedelta(days=60))


def ago(days: float, seconds: float = 0) -> datetime:
    return NOW - timedelta(days=days, seconds=seconds)


@dataclass
class Expected:
    """What must be left after the purge, per table."""

    events: set[tuple[str, str]] = field(default_factory=set)  # (sender, text or type)
    entries: set[str] = field(default_factory=set)  # conversation ids
    messages: set[str] = field(default_factory=set)  # texts
    notes: set[str] = field(default_factory=set)  # texts
    windows: set[str] = field(default_factory=set)  # socket ids
    cases: set[str] = field(default_factory=set)  # conversation ids
    decisions: set[str] = field(default_factory=set)  # message keys


def _event(sender: str, kind: str, at: datetime, text: str | None = None) -> dict:
    data = {"event": kind, "timestamp": at.timestamp(), **({"text": text} if text else {})}
    return {
        "sender_id": sender,
        "type_name": kind,
        "timestamp": at.timestamp(),
        "intent_name": None,
        "action_name": None,
        "data": json.dumps(data),
    }


def fill_tracker(tracker: sa.engine.Engine) -> set[tuple[str, str]]:
    """Conversations in the tracker store; returns the (sender, label) of the events to keep."""
    rows = [
        # Nothing since before the period: the whole conversation goes.
        _event("oud", "session_started", ago(100)),
        _event("oud", "user", ago(100), "oud-1"),
        _event("oud", "user", ago(90, 1), "oud-2"),
        # An old session and a recent one: the old session goes.
        _event("terug", "session_started", ago(120)),
        _event("terug", "user", ago(120), "terug-oud"),
        _event("terug", "session_started", ago(10)),
        _event("terug", "user", ago(10), "terug-nieuw"),
        # One session that began before the period and is still in use: all of it stays.
        _event("lang", "session_started", ago(91)),
        _event("lang", "user", ago(91), "lang-1"),
        _event("lang", "user", ago(89), "lang-2"),
        # No session start stored, recent activity: stays.
        _event("zonder", "user", ago(100), "zonder-1"),
        _event("zonder", "user", ago(1), "zonder-2"),
        # Its last event exactly at the period's edge: stays.
        _event("rand", "user", ago(90), "rand-1"),
    ]
    EVENTS.metadata.create_all(tracker)
    with tracker.begin() as connection:
        connection.execute(EVENTS.insert(), rows)
    return {
        ("terug", "session_started"),
        ("terug", "terug-nieuw"),
        ("lang", "session_started"),
        ("lang", "lang-1"),
        ("lang", "lang-2"),
        ("zonder", "zonder-1"),
        ("zonder", "zonder-2"),
        ("rand", "rand-1"),
    }


def remaining_events(tracker: sa.engine.Engine) -> set[tuple[str, str]]:
    with tracker.connect() as connection:
        rows = connection.execute(sa.select(EVENTS.c.sender_id, EVENTS.c.data)).all()
    return {(sender, json.loads(data).get("text") or json.loads(data)["event"]) for sender, data in rows}


def _entry(engine: sa.engine.Engine, conversation: str, queued: datetime, **times: datetime | str) -> int:
    entry = HandoffQueue(engine=engine).enqueue(conversation, "socketio", "retour", {}, OFFLINE, now=queued)
    if times:
        with engine.begin() as connection:
            connection.execute(
                sa.update(EntryRecord.__table__).where(EntryRecord.id == entry.id).values(**times)
            )
    return entry.id


def _message(
    engine: sa.engine.Engine, entry_id: int, conversation: str, text: str, **times: datetime
) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.insert(MessageRecord.__table__).values(
                entry_id=entry_id, conversation_id=conversation, author="anna", text=text, **times
            )
        )


def _note(engine: sa.engine.Engine, entry_id: int, text: str, created_at: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.insert(NoteRecord.__table__).values(
                entry_id=entry_id, author="anna", author_name="Anna", text=text, created_at=created_at
            )
        )


def fill_database(engine: sa.engine.Engine) -> Expected:
    """Queue entries and their messages, chat windows, cases and review decisions."""
    keep = Expected()
    closed = {"status": "closed", "closed_by": "medewerker"}
    old = _entry(engine, "q-oud", ago(40), closed_at=ago(35), customer_seen_at=ago(36), **closed)
    _message(engine, old, "q-oud", "antwoord-oud", created_at=ago(39), delivered_at=ago(38))
    _entry(engine, "q-open-oud", ago(31))  # never taken, never closed: goes all the same
    _entry(engine, "q-laat-gesloten", ago(40), closed_at=ago(20), **closed)
    late = _entry(engine, "q-laat-afgeleverd", ago(40), closed_at=ago(35), **closed)
    _message(engine, late, "q-laat-afgeleverd", "antwoord-laat", created_at=ago(39), delivered_at=ago(10))
    _entry(engine, "q-gezien", ago(40), customer_seen_at=ago(29))
    keep.entries = {"q-laat-gesloten", "q-laat-afgeleverd", "q-gezien"}
    keep.messages = {"antwoord-laat"}
    _note(engine, old, "notitie-oud", ago(39))
    _note(engine, late, "notitie-laat", ago(39))
    keep.notes = {"notitie-laat"}

    with engine.begin() as connection:
        for socket, expires in (("s-oud", ago(31)), ("s-nieuw", ago(29))):
            connection.execute(
                sa.insert(WindowRecord.__table__).values(
                    conversation_id="w",
                    socket_id=socket,
                    server_id="rasa-1",
                    connected_at=ago(40),
                    expires_at=expires,
                )
            )
        for key, moment in (("d-oud", ago(91)), ("d-nieuw", ago(89))):
            connection.execute(
                sa.insert(ReviewDecision.__table__).values(
                    message_key=key,
                    event_id=1,
                    conversation_id="r",
                    message_time=moment,
                    masked_text="tekst",
                    decision="noise",
                    written=False,
                    reviewer="tess",
                    decided_at=moment,
                )
            )
    keep.windows, keep.decisions = {"s-nieuw"}, {"d-nieuw"}

    cases = CaseStore(engine=engine)
    cases.create("klacht", "c-open-oud", {}, now=ago(61))
    cases.create("klacht", "c-open-nieuw", {}, now=ago(59))
    gesloten = cases.create("retour", "c-gesloten-oud", {}, now=ago(100))
    cases.close(gesloten.reference, now=ago(61))
    laat = cases.create("retour", "c-laat-gesloten", {}, now=ago(100))
    cases.close(laat.reference, now=ago(1))
    keep.cases = {"c-open-nieuw", "c-laat-gesloten"}
    return keep


def remaining(engine: sa.engine.Engine) -> Expected:
    with engine.connect() as connection:

        def column(column: sa.Column) -> set[str]:
            return set(connection.execute(sa.select(column)).scalars())

        return Expected(
            entries=column(EntryRecord.conversation_id),
            messages=column(MessageRecord.text),
            notes=column(NoteRecord.text),
            windows=column(WindowRecord.socket_id),
            cases=column(CaseRecord.conversation_id),
            decisions=column(ReviewDecision.message_key),
        )
