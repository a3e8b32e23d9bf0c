"""Internal notes on a queue entry: what agents tell each other about a conversation.

A note is kept with its entry (and goes when the entry goes) and is only ever shown in the console:
nothing here reaches Rasa, the tracker or the customer's chat window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bot.database import Base, create_engine, from_stored, utc
from bot.handoff import EntryRecord

MAX_NOTE_LENGTH = 2000


class NoteError(ValueError):
    """A note that cannot be kept; the message says why (shown to agents)."""


class UnknownEntry(NoteError):
    pass


class NoteRecord(Base):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped: Base is Any
    __tablename__ = "entry_notes"

    id = sa.Column(sa.Integer, primary_key=True)
    entry_id = sa.Column(
        sa.Integer, sa.ForeignKey("handoff_queue.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author = sa.Column(sa.String(40), nullable=False)
    author_name = sa.Column(sa.String(80), nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False)


@dataclass(frozen=True)
class Note:
    id: int
    entry_id: int
    author: str
    author_name: str
    text: str
    created_at: datetime


def _as_note(record: NoteRecord) -> Note:
    return Note(
        record.id,
        record.entry_id,
        record.author,
        record.author_name,
        record.text,
        from_stored(record.created_at),
    )


class NoteStore:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    def add(
        self, entry_id: int, author: str, author_name: str, text: str, now: datetime | None = None
    ) -> Note:
        text = text.strip()
        if not text:
            raise NoteError("Een lege notitie wordt niet bewaard.")
        if len(text) > MAX_NOTE_LENGTH:
            raise NoteError(
                f"Een notitie mag hoogstens {MAX_NOTE_LENGTH} tekens hebben; deze heeft er {len(text)}."
            )
        with sa.orm.Session(self.engine) as session, session.begin():
            if session.get(EntryRecord, entry_id) is None:
                raise UnknownEntry("Dit gesprek bestaat niet (meer).")
            record = NoteRecord(
                entry_id=entry_id, author=author, author_name=author_name, text=text, created_at=utc(now)
            )
            session.add(record)
            session.flush()
            return _as_note(record)

    def for_entry(self, entry_id: int) -> list[Note]:
        """Oldest first, as a conversation reads."""
        with sa.orm.Session(self.engine) as session:
            query = (
                sa.select(NoteRecord)
                .filter_by(entry_id=entry_id)
                .order_by(NoteRecord.created_at, NoteRecord.id)
            )
            return [_as_note(record) for record in session.scalars(query)]
