"""Messages for customers and whether their chat window is there.

What an agent says to a customer, and what the assistant says on the console's behalf (that an agent
joined, the goodbye when the agent closes), is stored here before anything is sent, and counts as
delivered only when the customer's side confirms it: the chat window acknowledges the message's id,
or the REST response that carries it has been written. Until then it is offered again whenever the
window is there, by whichever Rasa server the window reaches: the database is the truth, so a
server that dies, a publish that Redis loses or a window closed at the wrong moment delays an answer
and never loses it. The window shows each id once (static/widget.js), so offering twice is harmless.

A connected chat window holds a lease (conversation, socket, Rasa server, expiry) that its server
renews while the socket is connected; a server that starts drops the leases it held before. Each
renewal, connection and disconnection also stamps the conversation's open live queue entry with the
moment the customer was last seen (REST customers, who have no window, are seen when they write),
which is how the queue tells a customer who went away ("weg") from one who waits (bot/handoff.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.database import Base, create_engine, from_stored, utc
from bot.handoff import (
    ANSWERED,
    LIVE,
    MAX_MESSAGE_LENGTH,
    OFFLINE,
    REOPENED,
    WAITING,
    WITH_AGENT,
    EntryRecord,
    HandoffQueue,
    QueueError,
)

BOT_AUTHOR = "assistent"  # the author of the assistant's own messages kept for delivery
# What a message is, for the chat window: an agent's answer, the assistant saying an agent joined
# (shown with the agent's name and look), or the assistant's goodbye when the agent is done.
ANSWER, JOINED, ENDED = "antwoord", "overgenomen", "afgelopen"
KINDS = (ANSWER, JOINED, ENDED)
# A REST response that was handed messages but never confirmed them (its server died) gives them up.
HAND_OUT_LEASE = timedelta(minutes=1)


class MessageRecord(Base):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped: Base is Any
    """What an agent (or the console on their behalf) said to a customer, and when it arrived."""

    __tablename__ = "handoff_messages"

    id = sa.Column(sa.Integer, primary_key=True)
    entry_id = sa.Column(sa.Integer, sa.ForeignKey("handoff_queue.id"), nullable=False, index=True)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)
    author = sa.Column(sa.String(80), nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    delivered_at = sa.Column(sa.DateTime(timezone=True))  # acknowledged by the customer's side
    delivery_token = sa.Column(sa.String(24), index=True)  # handed to one REST response
    author_name = sa.Column(sa.String(80))  # the agent's display name, as the customer sees it
    kind = sa.Column(sa.String(20), nullable=False, default=ANSWER, server_default=ANSWER)
    handed_out_at = sa.Column(sa.DateTime(timezone=True))


# The agents' names (bot/agents.py's table), read without importing that module: `python -m bot.agents`
# maps its own copy, and a second import would define the table twice.
_AGENTS = sa.table("agents", sa.column("username"), sa.column("display_name"))


class WindowRecord(Base):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped: Base is Any
    """A chat window's lease: connected to `server_id` on `socket_id` until `expires_at`."""

    __tablename__ = "chat_windows"
    __table_args__ = (sa.UniqueConstraint("server_id", "socket_id", name="uq_chat_windows_server_socket"),)

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)
    socket_id = sa.Column(sa.String(80), nullable=False)
    server_id = sa.Column(sa.String(120), nullable=False, index=True)
    connected_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    expires_at = sa.Column(sa.DateTime(timezone=True), nullable=False, index=True)


_WAITING_FOR = sa.select(
    sa.exists().where(
        MessageRecord.conversation_id == sa.bindparam("conversation_id"),
        MessageRecord.delivered_at.is_(None),
    ),
    sa.exists().where(
        EntryRecord.conversation_id == sa.bindparam("conversation_id"),
        EntryRecord.mode == LIVE,
        EntryRecord.status.in_((WAITING, WITH_AGENT)),
    ),
)


@dataclass(frozen=True)
class Message:
    id: int
    entry_id: int
    conversation_id: str
    author: str
    text: str
    created_at: datetime
    delivered_at: datetime | None
    author_name: str | None = None
    kind: str = ANSWER


def _as_message(record: MessageRecord) -> Message:
    return Message(
        record.id,
        record.entry_id,
        record.conversation_id,
        record.author,
        record.text,
        from_stored(record.created_at),
        from_stored(record.delivered_at),
        record.author_name,
        record.kind or ANSWER,
    )


class DeliveryStore:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    # --- recording --------------------------------------------------------------------------------

    def add_agent_message(
        self,
        entry_id: int,
        agent: str,
        text: str,
        author_name: str | None = None,
        now: datetime | None = None,
    ) -> Message:
        """Records an agent's answer for delivery; only the agent who has the entry may answer."""
        text = text.strip()
        if not text:
            raise QueueError("Een leeg bericht wordt niet verstuurd.")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise QueueError(f"Een bericht mag hoogstens {MAX_MESSAGE_LENGTH} tekens hebben.")
        with sa.orm.Session(self.engine) as session, session.begin():
            record = HandoffQueue.agents_entry(session, entry_id, agent)
            if record.mode == OFFLINE and record.status in (WITH_AGENT, REOPENED):
                record.status, record.answered_at = ANSWERED, utc(now)
            message = MessageRecord(
                entry_id=record.id,
                conversation_id=record.conversation_id,
                author=agent,
                author_name=author_name or agent,
                kind=ANSWER,
                text=text,
                created_at=utc(now),
            )
            session.add(message)
            session.flush()
            return _as_message(message)

    def hold_for_delivery(
        self,
        entry_id: int,
        texts: Iterable[str],
        author: str = BOT_AUTHOR,
        now: datetime | None = None,
        kind: str = ENDED,
        author_name: str | None = None,
    ) -> list[Message]:
        """Keeps what the assistant said in the entry's conversation on the console's behalf (an
        agent joined: `kind` JOINED with the agent's name; the goodbye: ENDED) for delivery."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        with sa.orm.Session(self.engine) as session, session.begin():
            record = HandoffQueue.entry_record(session, entry_id)
            messages = [
                MessageRecord(
                    entry_id=record.id,
                    conversation_id=record.conversation_id,
                    author=author,
                    author_name=author_name,
                    kind=kind,
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

    def pending(
        self, conversation_ids: Iterable[str], created_before: datetime | None = None
    ) -> list[Message]:
        """The messages of these conversations that no chat window has acknowledged, oldest first
        (only those created before `created_before`, when given)."""
        ids = list(dict.fromkeys(conversation_ids))
        if not ids:
            return []
        query = sa.select(MessageRecord).where(
            MessageRecord.conversation_id.in_(ids), MessageRecord.delivered_at.is_(None)
        )
        if created_before is not None:
            query = query.where(MessageRecord.created_at < utc(created_before))
        with sa.orm.Session(self.engine) as session:
            return [_as_message(record) for record in session.scalars(query.order_by(MessageRecord.id))]

    def acknowledge(
        self, conversation_id: str, message_ids: Iterable[int], now: datetime | None = None
    ) -> int:
        """The chat window of `conversation_id` has shown these messages: they are delivered (the
        first acknowledgement counts; ids of other conversations are ignored). Returns how many were
        newly delivered."""
        ids = [number for number in message_ids if isinstance(number, int) and not isinstance(number, bool)]
        if not ids:
            return 0
        with sa.orm.Session(self.engine) as session, session.begin():
            return int(
                session.execute(
                    sa.update(MessageRecord)
                    .where(
                        MessageRecord.id.in_(ids),
                        MessageRecord.conversation_id == conversation_id,
                        MessageRecord.delivered_at.is_(None),
                    )
                    .values(delivered_at=utc(now))
                    .execution_options(synchronize_session=False)
                ).rowcount
            )

    def hand_out(self, conversation_id: str, now: datetime | None = None) -> tuple[str, list[Message]]:
        """For a REST response: the waiting messages, oldest first, reserved under a fresh token so
        that two responses at once never both carry one. `confirm(token)` once the response has been
        written; `release(token)` when it could not be. A reservation that is neither lapses after
        HAND_OUT_LEASE. Also notes that the customer is there (a REST customer has no window)."""
        moment = utc(now)
        with self.engine.connect() as connection:
            waiting, in_queue = connection.execute(_WAITING_FOR, {"conversation_id": conversation_id}).one()
        if in_queue:
            self.customer_seen([conversation_id], moment)
        if not waiting:
            return "", []  # every REST message asks: a read, not a write, when nothing waits
        token = secrets.token_hex(12)
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(
                sa.update(MessageRecord)
                .where(
                    MessageRecord.conversation_id == conversation_id,
                    MessageRecord.delivered_at.is_(None),
                    sa.or_(
                        MessageRecord.handed_out_at.is_(None),
                        MessageRecord.handed_out_at < moment - HAND_OUT_LEASE,
                    ),
                )
                .values(delivery_token=token, handed_out_at=moment)
                .execution_options(synchronize_session=False)
            )
            query = sa.select(MessageRecord).filter_by(delivery_token=token).order_by(MessageRecord.id)
            return token, [_as_message(record) for record in session.scalars(query)]

    def confirm(self, token: str, now: datetime | None = None) -> None:
        if token:
            self._by_token(token, delivered_at=utc(now))

    def release(self, token: str) -> None:
        if token:
            self._by_token(token, delivery_token=None, handed_out_at=None)

    def _by_token(self, token: str, **values: object) -> None:
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(
                sa.update(MessageRecord)
                .where(MessageRecord.delivery_token == token, MessageRecord.delivered_at.is_(None))
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    # --- chat windows -----------------------------------------------------------------------------

    def window_opened(
        self,
        conversation_id: str,
        socket_id: str,
        server_id: str,
        lease: timedelta,
        now: datetime | None = None,
    ) -> None:
        moment = utc(now)
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(sa.delete(WindowRecord).filter_by(server_id=server_id, socket_id=socket_id))
            session.add(
                WindowRecord(
                    conversation_id=conversation_id,
                    socket_id=socket_id,
                    server_id=server_id,
                    connected_at=moment,
                    expires_at=moment + lease,
                )
            )
            _seen(session, [conversation_id], moment)

    def renew(
        self, server_id: str, socket_ids: Iterable[str], lease: timedelta, now: datetime | None = None
    ) -> None:
        """Extends the leases of the windows still connected to this server."""
        sockets, moment = list(socket_ids), utc(now)
        if not sockets:
            return
        with sa.orm.Session(self.engine) as session, session.begin():
            session.execute(
                sa.update(WindowRecord)
                .where(WindowRecord.server_id == server_id, WindowRecord.socket_id.in_(sockets))
                .values(expires_at=moment + lease)
                .execution_options(synchronize_session=False)
            )
            conversations = session.scalars(
                sa.select(WindowRecord.conversation_id).where(
                    WindowRecord.server_id == server_id, WindowRecord.socket_id.in_(sockets)
                )
            ).all()
            _seen(session, conversations, moment)

    def window_closed(self, server_id: str, socket_id: str, now: datetime | None = None) -> None:
        moment = utc(now)
        with sa.orm.Session(self.engine) as session, session.begin():
            conversation = session.scalar(
                sa.select(WindowRecord.conversation_id).filter_by(server_id=server_id, socket_id=socket_id)
            )
            session.execute(sa.delete(WindowRecord).filter_by(server_id=server_id, socket_id=socket_id))
            if conversation is not None:
                _seen(session, [conversation], moment)

    def server_started(self, server_id: str) -> int:
        """A (re)started server holds no window yet: the leases of its previous run go."""
        with sa.orm.Session(self.engine) as session, session.begin():
            return int(session.execute(sa.delete(WindowRecord).filter_by(server_id=server_id)).rowcount)

    def connected(self, conversation_id: str, now: datetime | None = None) -> bool:
        """Whether a chat window of the conversation holds a lease now."""
        with self.engine.connect() as connection:
            return (
                connection.execute(
                    sa.select(WindowRecord.id)
                    .where(
                        WindowRecord.conversation_id == conversation_id, WindowRecord.expires_at > utc(now)
                    )
                    .limit(1)
                ).first()
                is not None
            )

    def agent_in_chat(self, conversation_id: str) -> str | None:
        """The display name of the agent who has the conversation's live chat now, else None."""
        query = (
            sa.select(EntryRecord.agent, _AGENTS.c.display_name)
            .outerjoin(_AGENTS, _AGENTS.c.username == EntryRecord.agent)
            .where(
                EntryRecord.conversation_id == conversation_id,
                EntryRecord.mode == LIVE,
                EntryRecord.status == WITH_AGENT,
            )
            .order_by(EntryRecord.id.desc())
            .limit(1)
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return (row.display_name or row.agent) if row else None

    def customer_typing(self, conversation_id: str, now: datetime | None = None) -> bool:
        """The customer is typing in the chat window: stamps the conversation's live entry, only while
        an agent has it (one conditional UPDATE; nothing is written otherwise). Whether it did."""
        with sa.orm.Session(self.engine) as session, session.begin():
            stamped = session.execute(
                sa.update(EntryRecord)
                .where(
                    EntryRecord.conversation_id == conversation_id,
                    EntryRecord.mode == LIVE,
                    EntryRecord.status == WITH_AGENT,
                )
                .values(customer_typing_at=utc(now))
                .execution_options(synchronize_session=False)
            ).rowcount
            return bool(stamped)

    def customer_seen(self, conversation_ids: Iterable[str], now: datetime | None = None) -> None:
        with sa.orm.Session(self.engine) as session, session.begin():
            _seen(session, list(conversation_ids), utc(now))


def _seen(session: sa.orm.Session, conversation_ids: list[str], moment: datetime) -> None:
    """Stamps the conversations' open live queue entries with the moment the customer was there."""
    if conversation_ids:
        session.execute(
            sa.update(EntryRecord)
            .where(
                EntryRecord.conversation_id.in_(set(conversation_ids)),
                EntryRecord.mode == LIVE,
                EntryRecord.status.in_((WAITING, WITH_AGENT)),
            )
            .values(customer_seen_at=moment)
            .execution_options(synchronize_session=False)
        )
