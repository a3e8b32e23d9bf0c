"""The human-agent queue: conversations waiting for a person (their messages: bot/delivery.py).

One SQLAlchemy store (KLANTENSERVICE_DB_URL, SQLite by default) shared by the action server (which
queues conversations), the Rasa server's channels and the agent console. Every state change is one
short transaction, so any process can restart without loss.

Entries are `live` (queued while the service is staffed: the customer waits in the chat and the bot
stays silent) or `offline` (queued outside staffed hours with the customer's question: an agent
answers when people are back); a live entry that no agent took before closing time becomes
offline. An entry goes waiting -> with_agent -> (answered -> reopened by the customer's reaction ->
answered ...) -> closed, by the agent or, live, by the customer.
"""

from __future__ import annotations

import secrets
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.database import Base, create_engine, from_stored, utc

WAITING, WITH_AGENT, ANSWERED, CLOSED = "waiting", "with_agent", "answered", "closed"
REOPENED = "reopened"  # the customer wrote back after an agent's answer outside staffed hours
OPEN_STATUSES = (WAITING, WITH_AGENT, ANSWERED, REOPENED)
CLOSED_BY_CUSTOMER, CLOSED_BY_AGENT = "klant", "medewerker"
LIVE, OFFLINE = "live", "offline"
GONE = "weg"  # closed_by of an entry taken off the queue because its customer went away
REFERENCE_PREFIX = "MW"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_MESSAGE_LENGTH = 4000


class QueueError(Exception):
    """A queue operation that cannot be done; the message says why (shown to agents)."""


class AlreadyTaken(QueueError):
    pass


class EntryRecord(Base):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped: Base is Any
    __tablename__ = "handoff_queue"

    id = sa.Column(sa.Integer, primary_key=True)
    reference = sa.Column(sa.String(20), unique=True, nullable=False)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)
    channel = sa.Column(sa.String(40), nullable=False)
    mode = sa.Column(sa.String(10), nullable=False)
    reason = sa.Column(sa.String(60), nullable=False)
    details = sa.Column(sa.JSON, nullable=False)
    status = sa.Column(sa.String(20), nullable=False, index=True)
    agent = sa.Column(sa.String(80))
    closed_by = sa.Column(sa.String(20))
    queued_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    claimed_at = sa.Column(sa.DateTime(timezone=True))
    answered_at = sa.Column(sa.DateTime(timezone=True))
    closed_at = sa.Column(sa.DateTime(timezone=True))
    # When the customer's chat window was last there (REST: their last message); bot/delivery.py
    customer_seen_at = sa.Column(sa.DateTime(timezone=True))
    request_key = sa.Column(sa.String(400))
    # When the customer last wrote to the agent who has the entry (the console's alert); migration 0006
    customer_wrote_at = sa.Column(sa.DateTime(timezone=True))
    # When the customer last typed in the chat window while an agent had it (the console's "klant
    # typt…"); short-lived, stamped at most every few seconds; migration 0008
    customer_typing_at = sa.Column(sa.DateTime(timezone=True))

    __table_args__ = (sa.UniqueConstraint("request_key", name="uq_handoff_queue_request_key"),)


@dataclass(frozen=True)
class Entry:
    id: int
    reference: str
    conversation_id: str
    channel: str
    mode: str
    reason: str
    details: dict[str, Any]
    status: str
    agent: str | None
    closed_by: str | None
    queued_at: datetime
    claimed_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    customer_seen_at: datetime | None = None
    customer_wrote_at: datetime | None = None
    customer_typing_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def _as_entry(record: EntryRecord) -> Entry:
    return Entry(
        record.id,
        record.reference,
        record.conversation_id,
        record.channel,
        record.mode,
        record.reason,
        dict(record.details or {}),
        record.status,
        record.agent,
        record.closed_by,
        from_stored(record.queued_at),
        from_stored(record.claimed_at),
        from_stored(record.answered_at),
        from_stored(record.closed_at),
        from_stored(record.customer_seen_at),
        from_stored(record.customer_wrote_at),
        from_stored(record.customer_typing_at),
    )


def _for_request(session: sa.orm.Session, request_key: str | None) -> EntryRecord | None:
    if request_key is None:
        return None
    record: EntryRecord | None = session.scalars(
        sa.select(EntryRecord).filter_by(request_key=request_key)
    ).first()
    return record


def new_reference() -> str:
    return f"{REFERENCE_PREFIX}-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


class HandoffQueue:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    # --- the customer's side ----------------------------------------------------------------------

    def enqueue(
        self,
        conversation_id: str,
        channel: str,
        reason: str,
        details: dict[str, Any],
        mode: str = LIVE,
        now: datetime | None = None,
        request_key: str | None = None,
    ) -> Entry:
        """Queues a conversation; a conversation already in the live queue keeps its place, and a
        request that already queued an entry (the same `request_key`) gets that entry, not a second."""
        if mode not in (LIVE, OFFLINE):
            raise ValueError(f"unknown mode {mode!r}")
        try:
            return self._enqueue(conversation_id, channel, reason, details, mode, now, request_key)
        except IntegrityError:  # the same request queued it a moment ago, in another process
            with sa.orm.Session(self.engine) as session:
                record = _for_request(session, request_key)
                assert record is not None  # the unique request_key is what failed
                return _as_entry(record)

    def _enqueue(
        self,
        conversation_id: str,
        channel: str,
        reason: str,
        details: dict[str, Any],
        mode: str,
        now: datetime | None,
        request_key: str | None,
    ) -> Entry:
        with sa.orm.Session(self.engine) as session, session.begin():
            current = (
                self._open_live(session, conversation_id)
                if mode == LIVE
                else _for_request(session, request_key)
            )
            if current is not None:
                return _as_entry(current)
            for _ in range(10):
                reference = new_reference()
                taken = session.scalar(sa.select(EntryRecord.id).filter_by(reference=reference))
                if taken is None:
                    break
            record = EntryRecord(
                reference=reference,
                conversation_id=conversation_id,
                channel=channel or "onbekend",
                mode=mode,
                reason=reason,
                details=details,
                status=WAITING,
                queued_at=utc(now),
                customer_seen_at=utc(now),
                request_key=request_key,
            )
            session.add(record)
            session.flush()
            return _as_entry(record)

    def live_entry(self, conversation_id: str) -> Entry | None:
        """The conversation's live handoff that is still going on (waiting or with an agent)."""
        with sa.orm.Session(self.engine) as session:
            record = self._open_live(session, conversation_id)
            return _as_entry(record) if record else None

    @staticmethod
    def _open_live(session: sa.orm.Session, conversation_id: str) -> EntryRecord | None:
        query = (
            sa.select(EntryRecord)
            .filter_by(conversation_id=conversation_id, mode=LIVE)
            .where(EntryRecord.status.in_((WAITING, WITH_AGENT)))
            .order_by(EntryRecord.id.desc())
        )
        live: EntryRecord | None = session.scalars(query).first()
        return live

    def position(
        self, entry_id: int, gone_after: timedelta | None = None, now: datetime | None = None
    ) -> int:
        """1 for the first waiting live conversation; 0 when the entry no longer waits. With
        `gone_after`, customers not seen for that long (their window closed) are not counted ahead."""
        with sa.orm.Session(self.engine) as session:
            record = session.get(EntryRecord, entry_id)
            if record is None or record.status != WAITING:
                return 0
            ahead = sa.select(sa.func.count(EntryRecord.id)).where(
                EntryRecord.mode == LIVE, EntryRecord.status == WAITING, EntryRecord.id < record.id
            )
            if gone_after is not None:
                ahead = ahead.where(_still_there(utc(now) - gone_after))
            return int(session.scalar(ahead)) + 1

    def close_gone(
        self, entry_id: int, agent: str, any_agent: bool, gone_after: timedelta, now: datetime | None = None
    ) -> Entry:
        """Takes a live entry whose customer went away (`is_gone`) off the queue without a word to the
        customer: closed by "weg", the question kept. A waiting one by any agent, one with an agent
        by that agent; `any_agent` (team leads) any open one. One conditional UPDATE: a customer who
        came back just now keeps their place."""
        moment = utc(now)
        with sa.orm.Session(self.engine) as session, session.begin():
            allowed = EntryRecord.status.in_((WAITING, WITH_AGENT))
            if not any_agent:
                allowed = sa.or_(EntryRecord.status == WAITING, EntryRecord.agent == agent)
            closed = session.execute(
                sa.update(EntryRecord)
                .where(
                    EntryRecord.id == entry_id,
                    EntryRecord.mode == LIVE,
                    EntryRecord.status.in_((WAITING, WITH_AGENT)),
                    allowed,
                    sa.not_(_still_there(moment - gone_after)),
                )
                .values(status=CLOSED, closed_by=GONE, closed_at=moment)
                .execution_options(synchronize_session=False)
            ).rowcount
            record = session.get(EntryRecord, entry_id)
            if record is None:
                raise QueueError("Dit gesprek bestaat niet (meer).")
            if not closed:
                if record.status == CLOSED:
                    raise QueueError("Dit gesprek is al afgesloten.")
                if record.mode != LIVE or is_gone(_as_entry(record), gone_after, moment) is False:
                    raise QueueError("De klant is er nog (of weer): dit gesprek blijft in de wachtrij.")
                raise AlreadyTaken(f"Dit gesprek is opgepakt door {record.agent}.")
            return _as_entry(record)

    def leave(self, conversation_id: str, now: datetime | None = None) -> Entry | None:
        """The customer no longer wants a person: their live handoff is closed."""
        with sa.orm.Session(self.engine) as session, session.begin():
            record = self._open_live(session, conversation_id)
            if record is None:
                return None
            record.status, record.closed_by, record.closed_at = CLOSED, CLOSED_BY_CUSTOMER, utc(now)
            session.flush()
            return _as_entry(record)

    def move_offline(self, entry_id: int, question: str) -> Entry | None:
        """A live entry that no agent took before closing time becomes a question for when people
        are back, with its reference and place. One conditional UPDATE: an agent who claims it at the
        same moment wins, and then None is returned."""
        with sa.orm.Session(self.engine) as session, session.begin():
            record = session.get(EntryRecord, entry_id)
            if record is None:
                return None
            details = {**(record.details or {}), "vraag": question[:MAX_MESSAGE_LENGTH]}
            moved = session.execute(
                sa.update(EntryRecord)
                .where(EntryRecord.id == entry_id, EntryRecord.mode == LIVE, EntryRecord.status == WAITING)
                .values(mode=OFFLINE, details=details)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not moved:
                return None
            session.expire(record)
            return _as_entry(session.get(EntryRecord, entry_id))

    def add_reaction(
        self,
        conversation_id: str,
        reference: str,
        text: str,
        within: timedelta,
        agent_present: Callable[[str], bool],
        now: datetime | None = None,
    ) -> Entry | None:
        """The customer writes on after their question from outside staffed hours. While that entry
        is the conversation's latest, open, and queued or answered within `within`, the message joins
        it (details "reacties") and an answered entry goes back to its agent (`reopened`), or to the
        queue when that agent is gone. None when the question is over."""
        with sa.orm.Session(self.engine) as session, session.begin():
            query = (
                sa.select(EntryRecord)
                .filter_by(conversation_id=conversation_id)
                .order_by(EntryRecord.id.desc())
                .limit(1)
                .with_for_update()
            )
            record = session.scalars(query).first()
            if record is None or record.reference != reference or record.mode != OFFLINE:
                return None
            last_news = from_stored(record.answered_at or record.queued_at)
            if record.status not in OPEN_STATUSES or last_news < utc(now) - within:
                return None
            details = dict(record.details or {})
            reactions = "\n".join(filter(None, (details.get("reacties"), text.strip() or "-")))
            details["reacties"] = reactions[-MAX_MESSAGE_LENGTH:]
            record.details = details
            record.customer_wrote_at = utc(now)
            if record.status == ANSWERED:
                if record.agent and agent_present(record.agent):
                    record.status = REOPENED
                else:
                    record.status, record.agent, record.claimed_at = WAITING, None, None
            session.flush()
            return _as_entry(record)

    def customer_wrote(self, entry_id: int, now: datetime | None = None) -> None:
        """The customer wrote to the agent who has the entry: the agent's console alerts them."""
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(
                sa.update(EntryRecord)
                .where(EntryRecord.id == entry_id)
                .values(customer_wrote_at=utc(now))
                .execution_options(synchronize_session=False)
            )

    # --- the agents' side -------------------------------------------------------------------------

    def get(self, entry_id: int) -> Entry | None:
        with sa.orm.Session(self.engine) as session:
            record = session.get(EntryRecord, entry_id)
            return _as_entry(record) if record else None

    def open_entries(self) -> list[Entry]:
        """Everything an agent may still have to do, oldest first."""
        with sa.orm.Session(self.engine) as session:
            query = (
                sa.select(EntryRecord)
                .where(EntryRecord.status.in_(OPEN_STATUSES))
                .order_by(EntryRecord.queued_at, EntryRecord.id)
            )
            return [_as_entry(record) for record in session.scalars(query)]

    def for_conversation(self, conversation_id: str) -> list[Entry]:
        with sa.orm.Session(self.engine) as session:
            query = sa.select(EntryRecord).filter_by(conversation_id=conversation_id).order_by(EntryRecord.id)
            return [_as_entry(record) for record in session.scalars(query)]

    def claim(self, entry_id: int, agent: str, now: datetime | None = None) -> Entry:
        """Gives a waiting entry to one agent; a second agent at the same moment gets AlreadyTaken."""
        with sa.orm.Session(self.engine) as session, session.begin():
            claimed = session.execute(
                sa.update(EntryRecord)
                .where(EntryRecord.id == entry_id, EntryRecord.status == WAITING)
                .values(status=WITH_AGENT, agent=agent, claimed_at=utc(now))
            ).rowcount
            record = session.get(EntryRecord, entry_id)
            if record is None:
                raise QueueError("Dit gesprek bestaat niet (meer).")
            if not claimed:
                if record.status == CLOSED:
                    raise QueueError("Dit gesprek is al afgesloten.")
                raise AlreadyTaken(f"Dit gesprek is al opgepakt door {record.agent}.")
            return _as_entry(record)

    def close(self, entry_id: int, agent: str, now: datetime | None = None) -> Entry:
        """The agent is done with the entry; only the agent who has it may close it."""
        with sa.orm.Session(self.engine) as session, session.begin():
            record = self.agents_entry(session, entry_id, agent)
            record.status, record.closed_by, record.closed_at = CLOSED, CLOSED_BY_AGENT, utc(now)
            session.flush()
            return _as_entry(record)

    @staticmethod
    def entry_record(session: sa.orm.Session, entry_id: int) -> EntryRecord:
        record: EntryRecord | None = session.get(EntryRecord, entry_id)
        if record is None:
            raise QueueError("Dit gesprek bestaat niet (meer).")
        return record

    @staticmethod
    def agents_entry(session: sa.orm.Session, entry_id: int, agent: str) -> EntryRecord:
        """The entry, locked, when `agent` has it and it is still open; QueueError otherwise."""
        record: EntryRecord | None = session.get(EntryRecord, entry_id, with_for_update=True)
        if record is None:
            raise QueueError("Dit gesprek bestaat niet (meer).")
        if record.status == CLOSED:
            raise QueueError("Dit gesprek is al afgesloten.")
        if record.status == WAITING:
            raise QueueError("Pak het gesprek eerst op.")
        if record.agent != agent:
            raise AlreadyTaken(f"Dit gesprek is opgepakt door {record.agent}.")
        return record

    # --- estimates --------------------------------------------------------------------------------

    def handling_time(self, estimate: HandlingEstimate, now: datetime | None = None) -> timedelta:
        """The typical time an agent spends on a live chat: the median of the latest closed live
        chats within the window, within the bounds; the default until there are enough of them. A
        median of many is steady: a few very short (or endless) chats do not move it."""
        since = utc(now) - estimate.window
        with sa.orm.Session(self.engine) as session:
            query = (
                sa.select(EntryRecord.claimed_at, EntryRecord.closed_at)
                .where(
                    EntryRecord.mode == LIVE,
                    EntryRecord.status == CLOSED,
                    EntryRecord.claimed_at.is_not(None),
                    EntryRecord.closed_at >= since,
                )
                .order_by(EntryRecord.closed_at.desc())
                .limit(estimate.history)
            )
            spans = [from_stored(closed) - from_stored(claimed) for claimed, closed in session.execute(query)]
        spans = [span for span in spans if span > timedelta(0)]
        if len(spans) < estimate.minimum_history:
            return estimate.default
        median: timedelta = statistics.median(spans)
        return min(max(median, estimate.lowest), estimate.highest)


@dataclass(frozen=True)
class HandlingEstimate:
    """How the handling time of a live chat is estimated (klantenservice.yml, section handoff)."""

    default: timedelta
    lowest: timedelta
    highest: timedelta
    window: timedelta
    history: int
    minimum_history: int


def _still_there(since: datetime) -> sa.sql.ColumnElement:
    """The customer was seen at or after `since` (an entry from before it was tracked counts as there)."""
    return sa.or_(EntryRecord.customer_seen_at.is_(None), EntryRecord.customer_seen_at >= since)


def is_gone(entry: Entry, gone_after: timedelta, now: datetime | None = None) -> bool:
    """A live entry still open whose customer has not been seen for `gone_after`: their chat window
    closed (or, on REST, they stopped writing). Shown as "weg"; not counted for others' places."""
    return (
        entry.mode == LIVE
        and entry.status in (WAITING, WITH_AGENT)
        and entry.customer_seen_at is not None
        and entry.customer_seen_at < utc(now) - gone_after
    )


def customer_is_typing(entry: Entry, fresh_for: timedelta, now: datetime | None = None) -> bool:
    """The customer of a chat an agent has typed within `fresh_for` and has not sent a message since."""
    typed = entry.customer_typing_at
    return (
        entry.status == WITH_AGENT
        and typed is not None
        and typed > utc(now) - fresh_for
        and (entry.customer_wrote_at is None or entry.customer_wrote_at < typed)
    )


def estimated_wait(position: int, agents_online: int, handling: timedelta) -> timedelta:
    """The customers up to and including this one, shared by the agents online (at least one)."""
    if position <= 0:
        return timedelta(0)
    return handling * position / max(agents_online, 1)
