"""Quick replies: ready answers that team leads keep and agents insert into a reply, then edit.

A reply may name the customer's case reference as `{referentie}`. Inserted for a conversation with a
case, it is filled in; without one it is left out cleanly: a part in square brackets that holds the
placeholder (`Ik kijk je retour[ met zaaknummer {referentie}] na.`) goes away entirely, a bare one
goes away with the space before it. The defaults are added by migration 0006.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bot.cases import Case
from bot.database import Base, create_engine, from_stored, utc
from bot.handoff import MAX_MESSAGE_LENGTH

PLACEHOLDER = "{referentie}"
MAX_TITLE_LENGTH = 60
MAX_REPLIES = 200
_OPTIONAL_PART = re.compile(r"\[([^\[\]]*)\]")
_ANY_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class QuickReplyError(ValueError):
    """A quick reply that cannot be kept as typed; the message says why (shown to team leads)."""


class QuickReplyRecord(Base):  # type: ignore[misc]  # SQLAlchemy 1.4 is untyped: Base is Any
    __tablename__ = "quick_replies"

    id = sa.Column(sa.Integer, primary_key=True)
    title = sa.Column(sa.String(MAX_TITLE_LENGTH), nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    position = sa.Column(sa.Integer, nullable=False, default=0)
    updated_by = sa.Column(sa.String(40))
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False)


@dataclass(frozen=True)
class QuickReply:
    id: int
    title: str
    text: str
    position: int
    updated_by: str | None
    updated_at: datetime


def _as_reply(record: QuickReplyRecord) -> QuickReply:
    return QuickReply(
        record.id,
        record.title,
        record.text,
        record.position,
        record.updated_by,
        from_stored(record.updated_at),
    )


def checked(title: str, text: str) -> tuple[str, str]:
    """The title and text as kept (trimmed); QuickReplyError with the reason when they cannot be."""
    title, text = title.strip(), text.strip()
    if not title:
        raise QuickReplyError("Geef het snelle antwoord een titel.")
    if len(title) > MAX_TITLE_LENGTH:
        raise QuickReplyError(f"Een titel mag hoogstens {MAX_TITLE_LENGTH} tekens hebben.")
    if not text:
        raise QuickReplyError("Een snel antwoord zonder tekst kan niet.")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise QuickReplyError(f"Een snel antwoord mag hoogstens {MAX_MESSAGE_LENGTH} tekens hebben.")
    unknown = sorted({f"{{{name}}}" for name in _ANY_PLACEHOLDER.findall(text)} - {PLACEHOLDER})
    if unknown:
        raise QuickReplyError(f"Onbekende invulplek {', '.join(unknown)}: alleen {PLACEHOLDER} kan.")
    return title, text


def fill(text: str, reference: str | None) -> str:
    """The reply for a conversation: `{referentie}` filled in, or left out cleanly without one."""

    def optional(part: re.Match[str]) -> str:
        inner = part.group(1)
        if PLACEHOLDER not in inner:
            return part.group(0)
        return inner.replace(PLACEHOLDER, reference) if reference else ""

    filled = _OPTIONAL_PART.sub(optional, text)
    if reference:
        return filled.replace(PLACEHOLDER, reference)
    filled = re.sub(r"[ \t]*" + re.escape(PLACEHOLDER), "", filled)
    filled = re.sub(r"[ \t]+([.,;:!?])", r"\1", filled)
    return re.sub(r"[ \t]{2,}", " ", filled).strip()


def case_reference(cases: Sequence[Case]) -> str | None:
    """The reference a reply names: the conversation's newest open case, else its newest case."""
    newest_first = sorted(cases, key=lambda case: case.created_at, reverse=True)
    for case in newest_first:
        if case.status == "open":
            return case.reference
    return newest_first[0].reference if newest_first else None


class QuickReplyStore:
    def __init__(self, url: str | None = None, engine: sa.engine.Engine | None = None) -> None:
        self.engine = engine or create_engine(url)

    def all(self) -> list[QuickReply]:
        """In the order the team lead gave them (then oldest first)."""
        with sa.orm.Session(self.engine) as session:
            query = sa.select(QuickReplyRecord).order_by(QuickReplyRecord.position, QuickReplyRecord.id)
            return [_as_reply(record) for record in session.scalars(query)]

    def add(
        self, title: str, text: str, author: str, position: int | None = None, now: datetime | None = None
    ) -> QuickReply:
        title, text = checked(title, text)
        with sa.orm.Session(self.engine) as session, session.begin():
            count, last = session.execute(
                sa.select(sa.func.count(QuickReplyRecord.id), sa.func.max(QuickReplyRecord.position))
            ).one()
            if count >= MAX_REPLIES:
                raise QuickReplyError(f"Er zijn al {MAX_REPLIES} snelle antwoorden; verwijder er eerst een.")
            record = QuickReplyRecord(
                title=title,
                text=text,
                position=position if position is not None else (last or 0) + 1,
                updated_by=author,
                updated_at=utc(now),
            )
            session.add(record)
            session.flush()
            return _as_reply(record)

    def update(
        self,
        reply_id: int,
        title: str,
        text: str,
        author: str,
        position: int | None = None,
        now: datetime | None = None,
    ) -> QuickReply:
        title, text = checked(title, text)
        with sa.orm.Session(self.engine) as session, session.begin():
            record = session.get(QuickReplyRecord, reply_id, with_for_update=True)
            if record is None:
                raise QuickReplyError("Dit snelle antwoord bestaat niet (meer).")
            record.title, record.text, record.updated_by, record.updated_at = title, text, author, utc(now)
            if position is not None:
                record.position = position
            session.flush()
            return _as_reply(record)

    def delete(self, reply_id: int) -> None:
        with sa.orm.Session(self.engine) as session, session.begin():
            deleted = session.execute(
                sa.delete(QuickReplyRecord).where(QuickReplyRecord.id == reply_id)
            ).rowcount
        if not deleted:
            raise QuickReplyError("Dit snelle antwoord bestaat niet (meer).")
