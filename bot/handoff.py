"""The human-agent queue: conversations waiting for a person, the agents' answers, and who is online.

One SQLAlchemy store (KLANTENSERVICE_DB_URL, SQLite by default) shared by the action server (which
queues conversations), the Rasa server's channels (which deliver agents' answers) and the agent
console. Every state change is one short transaction, so any process can restart without loss.

Entries are `live` (queued while the service is staffed: the customer waits in the chat and the bot
stays silent) or `offline` (queued outside staffed hours with the customer's question: an agent
answers when people are back); a live entry that no agent took before closing time becomes
offline. An entry goes waiting -> with_agent -> (answered -> reopened by the customer's reaction ->
answered ...) -> closed, by the agent or, live, by the customer.
"""

from __future__ import annotations

import secrets
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.database import Base, create_engine, from_stored, utc

WAITING, WITH_AGENT, ANSWERED, CLOSED = "waiting", "with_agent", "answered", "closed"
REOPENED = "reopened"  # the customer wrote back after an agent's answer outside staffed hours
OPEN_STATUSES = (WAITING, WITH_AGENT, ANSWERED, REOPENED)
CLOSED_BY_CUSTOMER, CLOSED_BY_AGENT = "klant", "medewerker"
LIVE, OFFLINE = "live", "offline"
REFERENCE_PREFIX = "MW"
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_MESSAGE_LENGTH = 4000
BOT_AUTHOR = "assistent"  # the author of the assistant's own messages kept for delivery


class QueueError(Exception):
    """A queue operation that cannot be done; the message says why (shown to agents)."""


class AlreadyTaken(QueueError):
    pass


class EntryRecord(Base):
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


class MessageRecord(Base):
    """What an agent (or the console on their behalf) said to a customer, and whether it arrived."""

    __tablename__ = "handoff_messages"

    id = sa.Column(sa.Integer, primary_key=True)
    entry_id = sa.Column(sa.Integer, sa.ForeignKey("handoff_queue.id"), nullable=False, index=True)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)
    author = sa.Column(sa.String(80), nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    delivered_at = sa.Column(sa.DateTime(timezone=True))
    delivery_token = sa.Column(sa.String(24), index=True)


_ANY_UNDELIVERED = (
    sa.select(MessageRecord.id)
    .where(
        MessageRecord.conversation_id == sa.bindparam("conversation_id"), MessageRecord.delivered_at.is_(None)
    )
    .limit(1)
)


class PresenceRecord(Base):
    """Whether a customer's chat window is connected now (socket.io), so answers can go straight in."""

    __tablename__ = "chat_presence"

    conversation_id = sa.Column(sa.String(255), primary_key=True)
    socket_id = sa.Column(sa.String(80), index=True)
    online = sa.Column(sa.Boolean, nullable=False)
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False)


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

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Message:
    id: int
    entry_id: int
    conversation_id: str
    author: str
    text: str
    created_at: datetime
    delivered_at: datetime | None


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
    )


def _as_message(record: MessageRecord) -> Message:
    return Message(
        record.id,
        record.entry_id,
        record.conversation_id,
        record.author,
        record.text,
        from_stored(record.created_at),
        from_stored(record.delivered_at),
    )


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
    ) -> Entry:
        """Queues a conversation; a conversation already in the live queue keeps its place."""
        if mode not in (LIVE, OFFLINE):
            raise ValueError(f"unknown mode {mode!r}")
        with sa.orm.Session(self.engine) as session, session.begin():
            if mode == LIVE:
                current = self._open_live(session, conversation_id)
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
        return session.scalars(query).first()

    def position(self, entry_id: int) -> int:
        """1 for the first waiting live conversation; 0 when the entry no longer waits."""
        with sa.orm.Session(self.engine) as session:
            record = session.get(EntryRecord, entry_id)
            if record is None or record.status != WAITING:
                return 0
            ahead = session.scalar(
                sa.select(sa.func.count(EntryRecord.id)).where(
                    EntryRecord.mode == LIVE, EntryRecord.status == WAITING, EntryRecord.id < record.id
                )
            )
            return int(ahead) + 1

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
            if record.status == ANSWERED:
                if record.agent and agent_present(record.agent):
                    record.status = REOPENED
                else:
                    record.status, record.agent, record.claimed_at = WAITING, None, None
            session.flush()
            return _as_entry(record)

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

    def add_agent_message(self, entry_id: int, agent: str, text: str, now: datetime | None = None) -> Message:
        """Records an agent's answer for delivery; only the agent who has the entry may answer."""
        text = text.strip()
        if not text:
            raise QueueError("Een leeg bericht wordt niet verstuurd.")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise QueueError(f"Een bericht mag hoogstens {MAX_MESSAGE_LENGTH} tekens hebben.")
        with sa.orm.Session(self.engine) as session, session.begin():
            record = self._agents_entry(session, entry_id, agent)
            if record.mode == OFFLINE and record.status in (WITH_AGENT, REOPENED):
                record.status, record.answered_at = ANSWERED, utc(now)
            message = MessageRecord(
                entry_id=record.id,
                conversation_id=record.conversation_id,
                author=agent,
                text=text,
                created_at=utc(now),
            )
            session.add(message)
            session.flush()
            return _as_message(message)

    def close(self, entry_id: int, agent: str, now: datetime | None = None) -> Entry:
        """The agent is done with the entry; only the agent who has it may close it."""
        with sa.orm.Session(self.engine) as session, session.begin():
            record = self._agents_entry(session, entry_id, agent)
            record.status, record.closed_by, record.closed_at = CLOSED, CLOSED_BY_AGENT, utc(now)
            session.flush()
            return _as_entry(record)

    def hold_for_delivery(
        self, entry_id: int, texts: Iterable[str], author: str = BOT_AUTHOR, now: datetime | None = None
    ) -> list[Message]:
        """Keeps messages said in the entry's conversation (the assistant's goodbye after an agent
        closed it) until the customer's channel can hand them over, like an agent's answer."""
        with sa.orm.Session(self.engine) as session, session.begin():
            record = session.get(EntryRecord, entry_id)
            if record is None:
                raise QueueError("Dit gesprek bestaat niet (meer).")
            messages = [
                MessageRecord(
                    entry_id=record.id,
                    conversation_id=record.conversation_id,
                    author=author,
                    text=text,
                    created_at=utc(now),
                )
                for text in texts
            ]
            session.add_all(messages)
            session.flush()
            return [_as_message(message) for message in messages]

    @staticmethod
    def _agents_entry(session: sa.orm.Session, entry_id: int, agent: str) -> EntryRecord:
        record = session.get(EntryRecord, entry_id, with_for_update=True)
        if record is None:
            raise QueueError("Dit gesprek bestaat niet (meer).")
        if record.status == CLOSED:
            raise QueueError("Dit gesprek is al afgesloten.")
        if record.status == WAITING:
            raise QueueError("Pak het gesprek eerst op.")
        if record.agent != agent:
            raise AlreadyTaken(f"Dit gesprek is opgepakt door {record.agent}.")
        return record

    # --- delivery ---------------------------------------------------------------------------------

    def messages(self, conversation_id: str) -> list[Message]:
        with sa.orm.Session(self.engine) as session:
            query = (
                sa.select(MessageRecord).filter_by(conversation_id=conversation_id).order_by(MessageRecord.id)
            )
            return [_as_message(record) for record in session.scalars(query)]

    def take_undelivered(self, conversation_id: str, now: datetime | None = None) -> list[Message]:
        """The answers that have not reached the customer yet, oldest first. One UPDATE marks them
        with a fresh token before anything is read, so two deliverers at once (two servers, a
        reconnect) never both get a message, on SQLite as on PostgreSQL."""
        with self.engine.connect() as connection:
            if connection.execute(_ANY_UNDELIVERED, {"conversation_id": conversation_id}).first() is None:
                return []  # every REST message asks: a read, not a write, when nothing waits
        token = secrets.token_hex(12)
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(
                sa.update(MessageRecord)
                .where(MessageRecord.conversation_id == conversation_id, MessageRecord.delivered_at.is_(None))
                .values(delivered_at=utc(now), delivery_token=token)
            )
            query = sa.select(MessageRecord).filter_by(delivery_token=token).order_by(MessageRecord.id)
            return [_as_message(record) for record in session.scalars(query)]

    def mark_delivered(self, message_ids: Iterable[int], now: datetime | None = None) -> None:
        ids = list(message_ids)
        if not ids:
            return
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(
                sa.update(MessageRecord)
                .where(MessageRecord.id.in_(ids), MessageRecord.delivered_at.is_(None))
                .values(delivered_at=utc(now))
            )

    def set_presence(
        self, conversation_id: str, socket_id: str, online: bool, now: datetime | None = None
    ) -> None:
        with sa.orm.Session(self.engine) as session, session.begin():
            record = session.get(PresenceRecord, conversation_id)
            if record is None:
                session.add(
                    PresenceRecord(
                        conversation_id=conversation_id,
                        socket_id=socket_id,
                        online=online,
                        updated_at=utc(now),
                    )
                )
            else:
                record.socket_id, record.online, record.updated_at = socket_id, online, utc(now)

    def socket_closed(self, socket_id: str, now: datetime | None = None) -> None:
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(
                sa.update(PresenceRecord)
                .filter_by(socket_id=socket_id)
                .values(online=False, updated_at=utc(now))
            )

    def is_online(self, conversation_id: str) -> bool:
        with sa.orm.Session(self.engine) as session:
            record = session.get(PresenceRecord, conversation_id)
            return bool(record and record.online)

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
        return min(max(statistics.median(spans), estimate.lowest), estimate.highest)


@dataclass(frozen=True)
class HandlingEstimate:
    """How the handling time of a live chat is estimated (klantenservice.yml, section handoff)."""

    default: timedelta
    lowest: timedelta
    highest: timedelta
    window: timedelta
    history: int
    minimum_history: int


def estimated_wait(position: int, agents_online: int, handling: timedelta) -> timedelta:
    """The customers up to and including this one, shared by the agents online (at least one)."""
    if position <= 0:
        return timedelta(0)
    return handling * position / max(agents_online, 1)
