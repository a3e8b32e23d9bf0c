"""Messages for customers and whether their chat window is there.

What an agent says to a customer (and what the assistant says on the console's behalf: the goodbye
when an agent closes) is stored here before anything is sent, so that a message can wait for a
customer who is not there and is never lost. The Rasa server's channels hand waiting messages over
(channels/delivery.py); the agent console records them (the web app). The store shares the
assistant's database with the queue (bot/handoff.py), whose entries the messages belong to.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bot.database import Base, create_engine, from_stored, utc
from bot.handoff import ANSWERED, MAX_MESSAGE_LENGTH, OFFLINE, WITH_AGENT, HandoffQueue, QueueError

BOT_AUTHOR = "assistent"  # the author of the assistant's own messages kept for delivery


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
class Message:
    id: int
    entry_id: int
    conversation_id: str
    author: str
    text: str
    created_at: datetime
    delivered_at: datetime | None


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


class DeliveryStore:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    # --- recording ---------------------------------------------------------------------------------

    def add_agent_message(self, entry_id: int, agent: str, text: str, now: datetime | None = None) -> Message:
        """Records an agent's answer for delivery; only the agent who has the entry may answer."""
        text = text.strip()
        if not text:
            raise QueueError("Een leeg bericht wordt niet verstuurd.")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise QueueError(f"Een bericht mag hoogstens {MAX_MESSAGE_LENGTH} tekens hebben.")
        with sa.orm.Session(self.engine) as session, session.begin():
            record = HandoffQueue.agents_entry(session, entry_id, agent)
            if record.mode == OFFLINE and record.status == WITH_AGENT:
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

    def hold_for_delivery(
        self, entry_id: int, texts: Iterable[str], author: str = BOT_AUTHOR, now: datetime | None = None
    ) -> list[Message]:
        """Keeps messages said in the entry's conversation (the assistant's goodbye after an agent
        closed it) until the customer's channel can hand them over, like an agent's answer."""
        with sa.orm.Session(self.engine) as session, session.begin():
            record = HandoffQueue.entry_record(session, entry_id)
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

    # --- presence ---------------------------------------------------------------------------------

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
